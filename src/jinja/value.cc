// Runtime values: construction, JSON views, truthiness, Python str()/repr(), equality, ordering.
#include "jinja/value.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>

namespace gitops::jinja {

// A range's bounds; `size` is its length, computed once.
struct RangeData {
  int64_t start, stop, step;
  size_t size;
};

namespace {

// A named tuple's storage: its items and the names of its fields.
struct NamedTupleData {
  ValueList items;
  std::span<const std::string_view> fields;
};

}  // namespace

// ---- DictData ---------------------------------------------------------------------------

const Value* DictData::Find(const Value& key) const {
  for (const auto& [k, v] : items) {
    if (Equals(k, key)) return &v;
  }
  return nullptr;
}

const Value* DictData::Find(std::string_view key) const {
  for (const auto& [k, v] : items) {
    if (k.IsString() && SameName(k.AsString(), key)) return &v;
  }
  return nullptr;
}

void DictData::Set(Value key, Value value) {
  for (auto& [k, v] : items) {
    if (Equals(k, key)) {
      v = std::move(value);
      return;
    }
  }
  items.emplace_back(std::move(key), std::move(value));
}

// ---- construction -----------------------------------------------------------------------

Value Value::Undefined(std::string_view name, std::string_view owner_type) {
  Value v;
  v.kind_ = Kind::kUndefined;
  v.str_ = name;
  v.aux_ = owner_type;
  return v;
}

Value Value::UndefinedOwned(std::string name, std::string owner_type) {
  auto strings = std::make_shared<std::pair<std::string, std::string>>(std::move(name),
                                                                       std::move(owner_type));
  Value v;
  v.kind_ = Kind::kUndefined;
  v.str_ = strings->first;
  v.aux_ = strings->second;
  v.owner_ = std::move(strings);
  return v;
}

Value Value::UndefinedElement(std::string key_repr, std::string owner_type) {
  Value v = UndefinedOwned(std::move(key_repr), std::move(owner_type));
  v.flags_ |= kElementFlag;
  return v;
}

Value Value::UndefinedWithMessage(std::string message) {
  Value v = UndefinedOwned(std::move(message));
  v.flags_ |= kMessageFlag;
  return v;
}

Value Value::None() {
  Value v;
  v.kind_ = Kind::kNone;
  return v;
}

Value Value::Bool(bool b) {
  Value v;
  v.kind_ = Kind::kBool;
  v.i_ = 0;
  v.b_ = b;
  return v;
}

Value Value::Int(int64_t i) {
  Value v;
  v.kind_ = Kind::kInt;
  v.i_ = i;
  return v;
}

Value Value::Integer(BigInt i) {
  if (auto small = i.ToInt64()) return Int(*small);
  auto owned = std::make_shared<BigInt>(std::move(i));
  Value v;
  v.kind_ = Kind::kBigInt;
  v.big_ = owned.get();
  v.owner_ = std::move(owned);
  return v;
}

Value Value::Float(double f) {
  Value v;
  v.kind_ = Kind::kFloat;
  v.f_ = f;
  return v;
}

Value Value::StrView(std::string_view s) {
  Value v;
  v.kind_ = Kind::kString;
  v.str_ = s;
  return v;
}

Value Value::Str(std::string s) {
  auto owned = std::make_shared<std::string>(std::move(s));
  Value v;
  v.kind_ = Kind::kString;
  v.str_ = *owned;
  v.owner_ = std::move(owned);
  return v;
}

Value Value::Markup(std::string s) {
  Value v = Str(std::move(s));
  v.flags_ |= kMarkupFlag;
  return v;
}

Value Value::List(ValueList items) {
  auto owned = std::make_shared<ValueList>(std::move(items));
  Value v;
  v.kind_ = Kind::kList;
  v.list_ = owned.get();
  v.owner_ = std::move(owned);
  return v;
}

Value Value::Tuple(ValueList items) {
  Value v = List(std::move(items));
  v.flags_ |= kTupleFlag;
  return v;
}

Value Value::NamedTuple(ValueList items, std::span<const std::string_view> fields) {
  auto owned = std::make_shared<NamedTupleData>(NamedTupleData{std::move(items), fields});
  Value v;
  v.kind_ = Kind::kList;
  v.flags_ = kTupleFlag | kNamedFlag;
  v.list_ = &owned->items;
  v.owner_ = std::move(owned);
  return v;
}

Value Value::Range(int64_t start, int64_t stop, int64_t step) {
  // len(range): ceil((stop - start) / step) when positive, computed without overflow.
  size_t size = 0;
  if (step > 0 && start < stop) {
    size = static_cast<size_t>((static_cast<uint64_t>(stop) - static_cast<uint64_t>(start) - 1) /
                               static_cast<uint64_t>(step)) + 1;
  } else if (step < 0 && start > stop) {
    size = static_cast<size_t>((static_cast<uint64_t>(start) - static_cast<uint64_t>(stop) - 1) /
                               (0 - static_cast<uint64_t>(step))) + 1;
  }
  auto owned = std::make_shared<RangeData>(RangeData{start, stop, step, size});
  Value v;
  v.kind_ = Kind::kList;
  v.flags_ = kRangeFlag;
  v.range_ = owned.get();
  v.owner_ = std::move(owned);
  return v;
}

int64_t Value::RangeStart() const { return range_->start; }
int64_t Value::RangeStop() const { return range_->stop; }
int64_t Value::RangeStep() const { return range_->step; }

std::optional<Value> Value::Field(std::string_view name) const {
  if (!IsNamedTuple()) return std::nullopt;
  const auto* data = static_cast<const NamedTupleData*>(owner_.get());
  for (size_t i = 0; i < data->fields.size() && i < data->items.size(); ++i) {
    if (data->fields[i] == name) return data->items[i];
  }
  return std::nullopt;
}

Value Value::Dict(DictData dict) {
  auto owned = std::make_shared<DictData>(std::move(dict));
  Value v;
  v.kind_ = Kind::kDict;
  v.dict_ = owned.get();
  v.owner_ = std::move(owned);
  return v;
}

Value Value::FromObject(std::shared_ptr<Object> object) {
  Value v;
  v.kind_ = Kind::kObject;
  v.obj_ = object.get();
  v.owner_ = std::move(object);
  return v;
}

Value Value::FromJson(const Json& j) {
  switch (j.type()) {
    case Json::value_t::null:
    case Json::value_t::discarded:
      return None();
    case Json::value_t::boolean:
      return Bool(j.get<bool>());
    case Json::value_t::number_integer:
      return Int(j.get<int64_t>());
    case Json::value_t::number_unsigned: {
      uint64_t u = j.get<uint64_t>();
      if (u > static_cast<uint64_t>(INT64_MAX)) {
        // Python's json reads it as an int. (Past uint64 the JSON parser already made it a
        // float: the digits are lost before they reach us.)
        return Integer(*BigInt::FromDigits(std::to_string(u)));
      }
      return Int(static_cast<int64_t>(u));
    }
    case Json::value_t::number_float:
      return Float(j.get<double>());
    case Json::value_t::string:
      return StrView(j.get_ref<const std::string&>());
    case Json::value_t::array: {
      Value v;
      v.kind_ = Kind::kList;
      v.flags_ = kJsonFlag;
      v.json_ = &j;
      return v;
    }
    case Json::value_t::object: {
      Value v;
      v.kind_ = Kind::kDict;
      v.flags_ = kJsonFlag;
      v.json_ = &j;
      return v;
    }
    case Json::value_t::binary:
      return None();
  }
  return None();
}

double Value::AsFloat() const {
  switch (kind_) {
    case Kind::kFloat: return f_;
    case Kind::kInt: return static_cast<double>(i_);
    case Kind::kBool: return b_ ? 1.0 : 0.0;
    case Kind::kBigInt: {
      auto d = big_->ToDouble();
      if (d) return *d;
      return big_->IsNegative() ? -HUGE_VAL : HUGE_VAL;
    }
    default: return 0.0;
  }
}

BigInt Value::ToBigInt() const {
  if (kind_ == Kind::kBigInt) return *big_;
  return BigInt(AsInt());
}

Result<double> ToFloat(const Value& v) {
  if (v.IsBigInt()) {
    auto d = v.AsBigInt().ToDouble();
    if (!d) return Unexpected(ErrorCode::kInvalidArgument, "int too large to convert to float");
    return *d;
  }
  return v.AsFloat();
}

std::shared_ptr<Object> Value::ObjectPtr() const {
  if (kind_ != Kind::kObject) return nullptr;
  return std::shared_ptr<Object>(owner_, obj_);
}

std::string Value::UndefinedMessage() const {
  if (flags_ & kMessageFlag) return std::string(str_);
  if (flags_ & kElementFlag) {
    return "'" + std::string(aux_) + "' has no element " + std::string(str_);
  }
  if (!aux_.empty()) {
    std::string m = "'";
    m += aux_;
    m += "' has no attribute '";
    m += str_;
    m += "'";
    return m;
  }
  if (str_.empty()) return "undefined value";
  std::string m = "'";
  m += str_;
  m += "' is undefined";
  return m;
}

// ---- containers -------------------------------------------------------------------------

size_t Value::Size() const {
  if (kind_ == Kind::kList) {
    if (flags_ & kJsonFlag) return json_->size();
    if (flags_ & kRangeFlag) return range_->size;
    return list_->size();
  }
  if (kind_ == Kind::kDict) return (flags_ & kJsonFlag) ? json_->size() : dict_->items.size();
  return 0;
}

Value Value::At(size_t i) const {
  if (flags_ & kJsonFlag) return FromJson((*json_)[i]);
  if (flags_ & kRangeFlag) {
    return Int(static_cast<int64_t>(static_cast<uint64_t>(range_->start) +
                                    static_cast<uint64_t>(i) * static_cast<uint64_t>(range_->step)));
  }
  return (*list_)[i];
}

Value Value::KeyAt(size_t i) const {
  // ordered_json's object is a vector of pairs, so index access is O(1).
  if (flags_ & kJsonFlag) return StrView((json_->get_ref<const Json::object_t&>().begin() + static_cast<std::ptrdiff_t>(i))->first);
  return dict_->items[i].first;
}

Value Value::ValueAt(size_t i) const {
  if (flags_ & kJsonFlag) return FromJson((json_->get_ref<const Json::object_t&>().begin() + static_cast<std::ptrdiff_t>(i))->second);
  return dict_->items[i].second;
}

std::optional<Value> Value::Find(std::string_view key) const {
  if (kind_ != Kind::kDict) return std::nullopt;
  if (flags_ & kJsonFlag) {
    // ordered_map::find takes a key_type; search linearly on string_view instead.
    for (const auto& [k, v] : json_->get_ref<const Json::object_t&>()) {
      if (SameName(k, key)) return FromJson(v);
    }
    return std::nullopt;
  }
  if (const Value* v = dict_->Find(key)) return *v;
  return std::nullopt;
}

std::optional<Value> Value::Find(const Value& key) const {
  if (kind_ != Kind::kDict) return std::nullopt;
  if (flags_ & kJsonFlag) {
    if (!key.IsString()) return std::nullopt;
    return Find(key.AsString());
  }
  if (const Value* v = dict_->Find(key)) return *v;
  return std::nullopt;
}

ValueList* Value::MutableList() {
  if (kind_ != Kind::kList || (flags_ & (kJsonFlag | kTupleFlag | kRangeFlag))) return nullptr;
  return list_;
}

DictData* Value::MutableDict() {
  if (kind_ != Kind::kDict || (flags_ & kJsonFlag)) return nullptr;
  return dict_;
}

ValueList Value::ToList() const {
  ValueList out;
  size_t n = Size();
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) out.push_back(At(i));
  return out;
}

bool Value::Truthy() const {
  switch (kind_) {
    case Kind::kUndefined:
    case Kind::kNone: return false;
    case Kind::kBool: return b_;
    case Kind::kInt: return i_ != 0;
    case Kind::kFloat: return f_ != 0.0;
    case Kind::kString: return !str_.empty();
    case Kind::kList:
    case Kind::kDict: return Size() != 0;
    case Kind::kObject: return obj_->Truthy();
    case Kind::kBigInt: return true;  // never zero (zero is a kInt)
  }
  return false;
}

std::string_view Value::TypeName() const {
  switch (kind_) {
    case Kind::kUndefined: return "Undefined";
    case Kind::kNone: return "NoneType";
    case Kind::kBool: return "bool";
    case Kind::kInt: return "int";
    case Kind::kFloat: return "float";
    case Kind::kString: return IsMarkup() ? "Markup" : "str";
    case Kind::kList: return IsTuple() ? "tuple" : IsRange() ? "range" : "list";
    case Kind::kDict: return "dict";
    case Kind::kObject: return obj_->TypeName();
    case Kind::kBigInt: return "int";
  }
  return "object";
}

// ---- CallArgs ---------------------------------------------------------------------------

std::optional<Value> CallArgs::Get(size_t index, std::string_view name) const {
  if (index < positional.size()) return positional[index];
  if (const Value* v = Keyword(name)) return *v;
  return std::nullopt;
}

const Value* CallArgs::Keyword(std::string_view name) const {
  for (const auto& [k, v] : keyword) {
    if (k == name) return &v;
  }
  return nullptr;
}

// ---- Object defaults --------------------------------------------------------------------

Result<Value> Object::GetAttr(Runtime&, std::string_view) const { return Value::Undefined(); }

Status Object::SetAttr(std::string_view name, Value) {
  return Unexpected(ErrorCode::kInvalidArgument,
                    "cannot assign attribute '" + std::string(name) + "' on " +
                        std::string(TypeName()) + " object");
}

Result<Value> Object::Call(Runtime&, CallArgs&) {
  return Unexpected(ErrorCode::kInvalidArgument,
                    "'" + std::string(TypeName()) + "' object is not callable");
}

std::string Object::Str() const { return "<" + std::string(TypeName()) + " object>"; }

// ---- formatting -------------------------------------------------------------------------

std::string FormatFloat(double f) {
  if (std::isnan(f)) return "nan";
  if (std::isinf(f)) return f < 0 ? "-inf" : "inf";
  if (f == 0.0) return std::signbit(f) ? "-0.0" : "0.0";
  // Shortest round-trip digits in scientific form: "d.ddde[+-]x".
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, f, std::chars_format::scientific);
  std::string_view sci(buf, static_cast<size_t>(res.ptr - buf));
  bool negative = false;
  if (!sci.empty() && sci[0] == '-') {
    negative = true;
    sci.remove_prefix(1);
  }
  size_t e_pos = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, e_pos)) {
    if (c != '.') digits.push_back(c);
  }
  int exp10 = 0;
  const char* exp_begin = sci.data() + e_pos + 1;
  if (*exp_begin == '+') ++exp_begin;  // from_chars accepts '-' but not '+'
  std::from_chars(exp_begin, sci.data() + sci.size(), exp10);
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  // Python: value = 0.d1d2...dn * 10^decpt; fixed notation when -4 < decpt <= 16.
  int decpt = exp10 + 1;
  std::string out;
  if (negative) out.push_back('-');
  int n = static_cast<int>(digits.size());
  if (decpt > -4 && decpt <= 16) {
    if (decpt <= 0) {
      out += "0.";
      out.append(static_cast<size_t>(-decpt), '0');
      out += digits;
    } else if (decpt >= n) {
      out += digits;
      out.append(static_cast<size_t>(decpt - n), '0');
      out += ".0";
    } else {
      out.append(digits, 0, static_cast<size_t>(decpt));
      out.push_back('.');
      out.append(digits, static_cast<size_t>(decpt), std::string::npos);
    }
  } else {
    out.push_back(digits[0]);
    if (n > 1) {
      out.push_back('.');
      out.append(digits, 1, std::string::npos);
    }
    int e = decpt - 1;
    char ebuf[16];
    std::snprintf(ebuf, sizeof ebuf, "e%c%02d", e < 0 ? '-' : '+', e < 0 ? -e : e);
    out += ebuf;
  }
  return out;
}

namespace {

// Python's repr of a str: prefers single quotes, switches to double quotes when the string
// contains ' but no ". Escapes backslash, the chosen quote, \n \r \t and other control chars.
void AppendStringRepr(std::string& out, std::string_view s) {
  bool has_single = s.find('\'') != std::string_view::npos;
  bool has_double = s.find('"') != std::string_view::npos;
  char quote = (has_single && !has_double) ? '"' : '\'';
  out.push_back(quote);
  for (unsigned char c : s) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c == static_cast<unsigned char>(quote)) {
          out.push_back('\\');
          out.push_back(static_cast<char>(c));
        } else if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02x", c);
          out += buf;
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out.push_back(quote);
}

void AppendInt(std::string& out, int64_t i) {
  char buf[24];
  auto res = std::to_chars(buf, buf + sizeof buf, i);
  out.append(buf, res.ptr);
}

}  // namespace

void AppendRepr(std::string& out, const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kString:
      if (v.IsMarkup()) {
        out += "Markup(";
        AppendStringRepr(out, v.AsString());
        out += ")";
      } else {
        AppendStringRepr(out, v.AsString());
      }
      return;
    case Value::Kind::kList: {
      if (v.IsRange()) {
        // Python: range(0, 3), range(1, 10, 3)
        out += "range(";
        AppendInt(out, v.RangeStart());
        out += ", ";
        AppendInt(out, v.RangeStop());
        if (v.RangeStep() != 1) {
          out += ", ";
          AppendInt(out, v.RangeStep());
        }
        out.push_back(')');
        return;
      }
      bool tuple = v.IsTuple();
      out.push_back(tuple ? '(' : '[');
      size_t n = v.Size();
      for (size_t i = 0; i < n; ++i) {
        if (i) out += ", ";
        AppendRepr(out, v.At(i));
      }
      if (tuple && n == 1) out.push_back(',');
      out.push_back(tuple ? ')' : ']');
      return;
    }
    case Value::Kind::kDict: {
      out.push_back('{');
      size_t n = v.Size();
      for (size_t i = 0; i < n; ++i) {
        if (i) out += ", ";
        AppendRepr(out, v.KeyAt(i));
        out += ": ";
        AppendRepr(out, v.ValueAt(i));
      }
      out.push_back('}');
      return;
    }
    case Value::Kind::kUndefined:
      out += "Undefined";
      return;
    default:
      AppendStr(out, v);
  }
}

void AppendStr(std::string& out, const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kUndefined: return;
    case Value::Kind::kNone: out += "None"; return;
    case Value::Kind::kBool: out += v.AsBool() ? "True" : "False"; return;
    case Value::Kind::kInt: AppendInt(out, v.AsInt()); return;
    case Value::Kind::kFloat: out += FormatFloat(v.AsFloat()); return;
    case Value::Kind::kString: out += v.AsString(); return;
    case Value::Kind::kList:
    case Value::Kind::kDict: AppendRepr(out, v); return;
    case Value::Kind::kObject: out += v.AsObject()->Str(); return;
    case Value::Kind::kBigInt: v.AsBigInt().AppendTo(out); return;
  }
}

std::string ToStr(const Value& v) {
  std::string s;
  AppendStr(s, v);
  return s;
}

std::string ToRepr(const Value& v) {
  std::string s;
  AppendRepr(s, v);
  return s;
}

// ---- comparison -------------------------------------------------------------------------

Result<Value> IntArith(IntOp op, const Value& a, const Value& b) {
  BigInt x = a.ToBigInt(), y = b.ToBigInt();
  auto integer = [](Result<BigInt> r) -> Result<Value> {
    if (!r.ok()) return Unexpected(std::move(r).error());
    return Value::Integer(std::move(r).value());
  };
  switch (op) {
    case IntOp::kAdd: return integer(BigInt::Add(x, y));
    case IntOp::kSub: return integer(BigInt::Sub(x, y));
    case IntOp::kMul: return integer(BigInt::Mul(x, y));
    case IntOp::kFloorDiv:
    case IntOp::kMod: {
      if (y.IsZero()) {
        return Unexpected(ErrorCode::kInvalidArgument, op == IntOp::kMod
                                                           ? "integer modulo by zero"
                                                           : "integer division or modulo by zero");
      }
      auto [q, r] = BigInt::DivMod(x, y);
      return Value::Integer(op == IntOp::kMod ? std::move(r) : std::move(q));
    }
    case IntOp::kTrueDiv: {
      if (y.IsZero()) return Unexpected(ErrorCode::kInvalidArgument, "division by zero");
      auto d = BigInt::TrueDiv(x, y);
      if (!d) {
        return Unexpected(ErrorCode::kInvalidArgument,
                          "integer division result too large for a float");
      }
      return Value::Float(*d);
    }
    case IntOp::kPow: {
      auto e = y.ToInt64();
      if (!e) {  // a huge exponent: only 0, 1 and -1 stay small
        if (x.BitLength() <= 1) return integer(BigInt::Pow(x, y.IsOdd() ? 1 : 2));
        return integer(BigInt::Pow(BigInt(2), BigInt::kMaxBits + 1));
      }
      return integer(BigInt::Pow(x, static_cast<uint64_t>(*e)));
    }
  }
  return Unexpected(ErrorCode::kInternal, "bad integer operation");
}

namespace {

// Exact three-way comparison of two numbers (int, bool, float, big int) as Python compares
// them; nullopt when either is not a number or is a NaN.
std::optional<int> CompareNumbers(const Value& a, const Value& b) {
  bool a_num = a.IsNumber() || a.IsBigInt(), b_num = b.IsNumber() || b.IsBigInt();
  if (!a_num || !b_num) return std::nullopt;
  if (a.IsFloat() || b.IsFloat()) {
    if (a.IsFloat() && b.IsFloat()) {
      double x = a.AsFloat(), y = b.AsFloat();
      if (std::isnan(x) || std::isnan(y)) return std::nullopt;
      return x < y ? -1 : x > y ? 1 : 0;
    }
    double f = a.IsFloat() ? a.AsFloat() : b.AsFloat();
    if (std::isnan(f)) return std::nullopt;
    const Value& i = a.IsFloat() ? b : a;
    int c;
    if (!i.IsBigInt() && i.AsInt() >= -(int64_t{1} << 53) && i.AsInt() <= (int64_t{1} << 53)) {
      double x = static_cast<double>(i.AsInt());  // exact
      c = x < f ? -1 : x > f ? 1 : 0;
    } else {
      c = i.ToBigInt().CompareDouble(f);
    }
    return a.IsFloat() ? -c : c;
  }
  if (!a.IsBigInt() && !b.IsBigInt()) return a.AsInt() < b.AsInt() ? -1 : a.AsInt() > b.AsInt();
  return a.ToBigInt().Compare(b.ToBigInt());
}

}  // namespace

bool Equals(const Value& a, const Value& b) {
  using K = Value::Kind;
  if (a.IsBigInt() || b.IsBigInt()) [[unlikely]] {
    auto c = CompareNumbers(a, b);
    return c && *c == 0;
  }
  if (a.IsNumber() && b.IsNumber()) {
    if (a.IsFloat() && b.IsFloat()) return a.AsFloat() == b.AsFloat();
    if (a.IsFloat() || b.IsFloat()) {
      // int vs float: exact, as Python compares them (2**53 + 1 != float(2**53 + 1)).
      double f = a.IsFloat() ? a.AsFloat() : b.AsFloat();
      int64_t i = a.IsFloat() ? b.AsInt() : a.AsInt();
      if (std::floor(f) != f || f < -9223372036854775808.0 || f >= 9223372036854775808.0) {
        return false;
      }
      return static_cast<int64_t>(f) == i;
    }
    return a.AsInt() == b.AsInt();
  }
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case K::kUndefined:
    case K::kNone: return true;
    case K::kString: return a.AsString() == b.AsString();
    case K::kList: {
      // A range equals only a range (of the same items); a list never equals a tuple.
      if (a.IsTuple() != b.IsTuple() || a.IsRange() != b.IsRange() || a.Size() != b.Size()) {
        return false;
      }
      for (size_t i = 0; i < a.Size(); ++i) {
        if (!Equals(a.At(i), b.At(i))) return false;
      }
      return true;
    }
    case K::kDict: {
      if (a.Size() != b.Size()) return false;
      for (size_t i = 0; i < a.Size(); ++i) {
        auto other = b.Find(a.KeyAt(i));
        if (!other || !Equals(a.ValueAt(i), *other)) return false;
      }
      return true;
    }
    case K::kObject: return a.AsObject() == b.AsObject();
    default: return false;
  }
}

Result<bool> Less(const Value& a, const Value& b) {
  if ((a.IsNumber() || a.IsBigInt()) && (b.IsNumber() || b.IsBigInt())) {
    if (!a.IsFloat() && !b.IsFloat() && !a.IsBigInt() && !b.IsBigInt()) {
      return a.AsInt() < b.AsInt();
    }
    auto c = CompareNumbers(a, b);  // exact, as Python compares int and float
    return c && *c < 0;
  }
  if (a.IsString() && b.IsString()) {
    // UTF-8 byte order equals code point order.
    return a.AsString() < b.AsString();
  }
  if (a.IsList() && b.IsList() && a.IsTuple() == b.IsTuple() && !a.IsRange() && !b.IsRange()) {
    size_t n = std::min(a.Size(), b.Size());
    for (size_t i = 0; i < n; ++i) {
      Value x = a.At(i), y = b.At(i);
      if (Equals(x, y)) continue;
      return Less(x, y);
    }
    return a.Size() < b.Size();
  }
  return Unexpected(ErrorCode::kInvalidArgument,
                    "'<' not supported between instances of '" + std::string(a.TypeName()) +
                        "' and '" + std::string(b.TypeName()) + "'");
}

Result<Json> ToJson(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kUndefined:
    case Value::Kind::kNone: return Json(nullptr);
    case Value::Kind::kBool: return Json(v.AsBool());
    case Value::Kind::kInt: return Json(v.AsInt());
    case Value::Kind::kFloat: return Json(v.AsFloat());
    case Value::Kind::kString: return Json(std::string(v.AsString()));
    case Value::Kind::kList: {
      if (v.IsRange()) {
        return Unexpected(ErrorCode::kInvalidArgument,
                          "Object of type range is not JSON serializable");
      }
      Json arr = Json::array();
      for (size_t i = 0; i < v.Size(); ++i) {
        auto item = ToJson(v.At(i));
        if (!item.ok()) return item;
        arr.push_back(std::move(item).value());
      }
      return arr;
    }
    case Value::Kind::kDict: {
      Json obj = Json::object();
      for (size_t i = 0; i < v.Size(); ++i) {
        Value k = v.KeyAt(i);
        std::string key;
        if (k.IsString()) {
          key = std::string(k.AsString());
        } else if (k.IsNumber() || k.IsBigInt() || k.IsNone()) {
          // json.dumps turns int/float/bool/None keys into their JSON spelling.
          key = k.IsBool() ? (k.AsBool() ? "true" : "false") : k.IsNone() ? "null" : ToStr(k);
        } else {
          return Unexpected(ErrorCode::kInvalidArgument,
                            "keys must be str, int, float, bool or None, not " +
                                std::string(k.TypeName()));
        }
        auto item = ToJson(v.ValueAt(i));
        if (!item.ok()) return item;
        obj[key] = std::move(item).value();
      }
      return obj;
    }
    case Value::Kind::kObject:
      return Unexpected(ErrorCode::kInvalidArgument,
                        "Object of type " + std::string(v.TypeName()) + " is not JSON serializable");
    case Value::Kind::kBigInt: {
      // A JSON document holds int64 and uint64 integers exactly; beyond that, no value would.
      const BigInt& b = v.AsBigInt();
      if (!b.IsNegative() && b.BitLength() <= 64) {
        return Json(std::stoull(b.ToString()));
      }
      return Unexpected(ErrorCode::kInvalidArgument,
                        "integer " + b.ToString() + " does not fit a JSON value");
    }
  }
  return Json(nullptr);
}

}  // namespace gitops::jinja
