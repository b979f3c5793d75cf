// Runtime values of the template engine: Python-like values (None, bool, int, float, str, list,
// tuple, dict, objects) that can also be read-only views of the JSON context, so rendering never
// copies the context. Copying a Value is cheap (at most one shared_ptr copy).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/result.h"
#include "jinja/bigint.h"

namespace gitops::jinja {

using Json = nlohmann::ordered_json;

class Value;
class Object;
class Runtime;
using ValueList = std::vector<Value>;

// String equality for names and keys: length and first byte are compared inline before the
// rest, so the usual mismatch costs no memcmp call.
inline bool SameName(std::string_view a, std::string_view b) {
  return a.size() == b.size() && (a.empty() || (a[0] == b[0] && a == b));
}

// A dict that keeps insertion order, as Python's does. Keys are hashable Values (str, int,
// float, bool, None, tuple); lookups are linear, which is fastest for template-sized dicts.
struct DictData {
  std::vector<std::pair<Value, Value>> items;

  // Returns the value stored under `key`, or nullptr.
  const Value* Find(const Value& key) const;
  const Value* Find(std::string_view key) const;
  // Inserts or replaces (a replaced key keeps its position, as in Python).
  void Set(Value key, Value value);
};

class Value {
 public:
  enum class Kind : uint8_t {
    kUndefined,
    kNone,
    kBool,
    kInt,
    kFloat,
    kString,
    kList,    // list or tuple (IsTuple()); owned or a view of a JSON array
    kDict,    // owned or a view of a JSON object
    kObject,  // runtime objects: macros, loop, namespace, cycler, joiner, functions
    kBigInt,  // an int outside the int64 range (Python ints are unbounded); TypeName "int"
  };

  // An undefined value. `name` is the undefined variable's name; `owner_type` (may be empty)
  // the Python type name of the object the attribute/item was looked up on ("dict object").
  // The strings must outlive the Value (template source, AST) unless passed owned below.
  Value() = default;
  static Value Undefined(std::string_view name = {}, std::string_view owner_type = {});
  static Value UndefinedOwned(std::string name, std::string owner_type = {});
  // An undefined item of a container: "'list object' has no element 5" (`key_repr` is the
  // key's Python repr).
  static Value UndefinedElement(std::string key_repr, std::string owner_type);
  // An undefined value with a fixed message (e.g. "'loop' ... no previous item").
  static Value UndefinedWithMessage(std::string message);
  static Value None();
  static Value Bool(bool b);
  static Value Int(int64_t i);
  // A Python int of any size: kInt when it fits int64, else kBigInt (never a kBigInt that
  // fits, so kInt and kBigInt values are never equal).
  static Value Integer(BigInt i);
  static Value Float(double f);
  // A string view; `s` must outlive the Value (template literals, the JSON context).
  static Value StrView(std::string_view s);
  static Value Str(std::string s);
  // A markupsafe.Markup string (from |safe, |escape): `+`/`%`/join escape plain strings.
  static Value Markup(std::string s);
  static Value List(ValueList items);
  static Value Tuple(ValueList items);
  // A tuple whose items can also be read by name, as Python's namedtuple (groupby's
  // (grouper, list) results): positional access, iteration and printing are a tuple's, and
  // Field() / the evaluator's getattr read an item by name. `fields` names the items in order
  // and must outlive the Value (static storage), e.g.
  //   static constexpr std::string_view kFields[] = {"grouper", "list"};
  static Value NamedTuple(ValueList items, std::span<const std::string_view> fields);
  // Python's range(start, stop, step) (step != 0), lazy: a read-only sequence of ints that
  // iterates, indexes and has a length like a list (IsList() is true, IsRange() tells it
  // apart) and prints as "range(0, 3)".
  static Value Range(int64_t start, int64_t stop, int64_t step);
  static Value Dict(DictData dict);
  static Value FromObject(std::shared_ptr<Object> object);
  // A view of `j` (no copy): primitives are read out, strings/arrays/objects are referenced.
  // `j` must outlive the Value.
  static Value FromJson(const Json& j);

  Kind kind() const { return kind_; }
  bool IsUndefined() const { return kind_ == Kind::kUndefined; }
  bool IsNone() const { return kind_ == Kind::kNone; }
  bool IsBool() const { return kind_ == Kind::kBool; }
  bool IsInt() const { return kind_ == Kind::kInt; }
  bool IsFloat() const { return kind_ == Kind::kFloat; }
  // int, float or bool of int64 range; big ints answer IsBigInt() (and IsIntegral()) instead,
  // so code reading AsInt() never sees them.
  bool IsNumber() const { return kind_ == Kind::kInt || kind_ == Kind::kFloat || kind_ == Kind::kBool; }
  bool IsBigInt() const { return kind_ == Kind::kBigInt; }
  // Python's isinstance(v, int): bool, int or big int.
  bool IsIntegral() const {
    return kind_ == Kind::kInt || kind_ == Kind::kBool || kind_ == Kind::kBigInt;
  }
  bool IsString() const { return kind_ == Kind::kString; }
  bool IsList() const { return kind_ == Kind::kList; }
  bool IsTuple() const { return kind_ == Kind::kList && (flags_ & kTupleFlag); }
  bool IsDict() const { return kind_ == Kind::kDict; }
  bool IsObject() const { return kind_ == Kind::kObject; }
  bool IsMarkup() const { return kind_ == Kind::kString && (flags_ & kMarkupFlag); }
  bool IsJsonView() const { return (flags_ & kJsonFlag) != 0; }
  // The JSON array/object a list/dict view reads (IsJsonView()), else nullptr.
  const Json* JsonView() const { return (flags_ & kJsonFlag) ? json_ : nullptr; }
  bool IsRange() const { return kind_ == Kind::kList && (flags_ & kRangeFlag); }
  bool IsNamedTuple() const { return kind_ == Kind::kList && (flags_ & kNamedFlag); }

  // Scalar accessors; call only on the matching kind (AsInt accepts bool, AsFloat int/bool/big
  // int: a big int too large for a float gives +-inf, see ToFloat for the checked form).
  bool AsBool() const { return b_; }
  int64_t AsInt() const { return kind_ == Kind::kBool ? (b_ ? 1 : 0) : i_; }
  double AsFloat() const;
  const BigInt& AsBigInt() const { return *big_; }  // kBigInt
  // Any integral value (IsIntegral()) as a BigInt.
  BigInt ToBigInt() const;
  std::string_view AsString() const { return str_; }  // kString
  Object* AsObject() const { return obj_; }           // kObject
  std::shared_ptr<Object> ObjectPtr() const;           // kObject

  // Undefined details (kUndefined).
  std::string_view UndefinedName() const { return str_; }
  std::string_view UndefinedOwnerType() const { return aux_; }
  // The message Jinja2 gives when an undefined value is used:
  // "'x' is undefined" or "'dict object' has no attribute 'x'".
  std::string UndefinedMessage() const;

  // Sequences and dicts. Size() is the element count of a list/tuple/dict.
  size_t Size() const;
  Value At(size_t i) const;       // list/tuple element i (i < Size())
  Value KeyAt(size_t i) const;    // dict key i, in insertion order
  Value ValueAt(size_t i) const;  // dict value i
  // Dict lookup (kDict only); nullopt when absent.
  std::optional<Value> Find(const Value& key) const;
  std::optional<Value> Find(std::string_view key) const;
  // The item of a named tuple called `name`; nullopt for other values or unknown names.
  std::optional<Value> Field(std::string_view name) const;
  // A range's start, stop and step (IsRange()).
  int64_t RangeStart() const;
  int64_t RangeStop() const;
  int64_t RangeStep() const;
  // Owned list storage for in-place mutation (list.append); nullptr for JSON views, tuples
  // and ranges.
  ValueList* MutableList();
  // Owned dict storage for in-place mutation (dict.update, pop, ...); nullptr for other kinds
  // and for JSON views of the context, which are read in place and never written.
  DictData* MutableDict();
  // Copies the elements of a list/tuple into a vector.
  ValueList ToList() const;

  // Python truthiness: '' / 0 / 0.0 / None / empty containers / Undefined are false.
  bool Truthy() const;

  // Python type name as used in error messages: "str", "int", "dict", "list", "tuple",
  // "NoneType", "bool", "float", "Undefined", or the object's own.
  std::string_view TypeName() const;

 private:
  friend struct ValueAccess;
  static constexpr uint8_t kTupleFlag = 1;
  static constexpr uint8_t kMarkupFlag = 2;
  static constexpr uint8_t kJsonFlag = 4;
  static constexpr uint8_t kElementFlag = 8;  // kUndefined: "has no element"
  static constexpr uint8_t kMessageFlag = 16;  // kUndefined: str_ is the whole message
  static constexpr uint8_t kRangeFlag = 32;    // kList: range_ (lazy range)
  static constexpr uint8_t kNamedFlag = 64;    // kList tuple: owner_ is a NamedTupleData

  Kind kind_ = Kind::kUndefined;
  uint8_t flags_ = 0;
  union {
    bool b_;
    int64_t i_ = 0;
    double f_;
    const Json* json_;  // kList/kDict views (kJsonFlag)
    ValueList* list_;   // owned kList (kept alive by owner_)
    DictData* dict_;    // owned kDict (kept alive by owner_)
    Object* obj_;       // kObject (kept alive by owner_)
    const struct RangeData* range_;  // kList with kRangeFlag (kept alive by owner_)
    const BigInt* big_;  // kBigInt (kept alive by owner_)
  };
  std::string_view str_;  // kString contents; kUndefined name
  std::string_view aux_;  // kUndefined owner type
  std::shared_ptr<void> owner_;
};

// Positional and keyword arguments of a call (filters, tests, functions, macros, methods).
struct CallArgs {
  ValueList positional;
  std::vector<std::pair<std::string_view, Value>> keyword;

  // The argument at position `index` or named `name`, or nullopt. Keyword names must outlive
  // the CallArgs (they point into the AST).
  std::optional<Value> Get(size_t index, std::string_view name) const;
  const Value* Keyword(std::string_view name) const;
};

// Runtime objects: macros, loop, namespace(), cycler(), joiner(), builtin functions.
class Object {
 public:
  virtual ~Object() = default;
  // Python type name for messages, e.g. "Macro", "LoopContext", "Namespace".
  virtual std::string_view TypeName() const = 0;
  // Attribute lookup; returns an Undefined Value when there is no such attribute.
  virtual Result<Value> GetAttr(Runtime& rt, std::string_view name) const;
  // Attribute assignment ({% set ns.x = 1 %}); only namespaces allow it.
  virtual Status SetAttr(std::string_view name, Value value);
  virtual bool IsCallable() const { return false; }
  virtual Result<Value> Call(Runtime& rt, CallArgs& args);
  // What {{ obj }} prints (Python str()).
  virtual std::string Str() const;
  virtual bool Truthy() const { return true; }
};

// Formatting as Python does it.
// Python repr() of a float: shortest round-trip digits, "1.0", "1e+20", "1e-05", "inf", "nan".
std::string FormatFloat(double f);
// Appends Python str(v) to `out` (what {{ v }} prints): None -> "None", True -> "True",
// lists/dicts as repr ("['a', 1]"), Undefined -> "" (the caller checks strict mode first).
void AppendStr(std::string& out, const Value& v);
std::string ToStr(const Value& v);
// Python repr(v): strings quoted as Python quotes them ('a', "it's", '\n' escaped).
void AppendRepr(std::string& out, const Value& v);
std::string ToRepr(const Value& v);

// Python float(v) of a number (int, bool, float, big int); kInvalidArgument "int too large to
// convert to float" for a big int beyond the float range.
Result<double> ToFloat(const Value& v);

// Python's integer arithmetic for any sizes, the slow path of int64 arithmetic: used when an
// operand is a big int or an int64 result would overflow. `a` and `b` are integral
// (IsIntegral()); kPow needs b >= 0 (a negative exponent gives a float: use float pow).
// Errors as Python's: kInvalidArgument for division by zero ("integer division or modulo by
// zero", "integer modulo by zero", "division by zero") and a quotient too large for a float,
// kResourceExhausted for a result beyond BigInt::kMaxBits.
enum class IntOp : uint8_t { kAdd, kSub, kMul, kFloorDiv, kMod, kPow, kTrueDiv };
Result<Value> IntArith(IntOp op, const Value& a, const Value& b);

// Python ==. Int/float/bool/big int compare numerically (exactly); list == tuple is false;
// dicts compare as mappings (order-insensitive).
bool Equals(const Value& a, const Value& b);
// Python ordering (<): numbers with numbers, str with str (by code point), lists/tuples
// lexicographically; anything else is kInvalidArgument ("'<' not supported between
// instances of 'str' and 'int'").
Result<bool> Less(const Value& a, const Value& b);

// Converts a Value to JSON (for tojson/to_json and for results). Undefined -> null unless
// strict; objects are kInvalidArgument.
Result<Json> ToJson(const Value& v);

}  // namespace gitops::jinja
