// The abstract syntax tree of a compiled template. Built once by the parser and never mutated
// afterwards, so one tree can be rendered from many threads at once.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "jinja/runtime.h"
#include "jinja/value.h"

namespace gitops::jinja {

struct Expr;
struct Stmt;
using ExprPtr = std::unique_ptr<Expr>;
using StmtPtr = std::unique_ptr<Stmt>;
using Body = std::vector<StmtPtr>;

enum class ExprKind : uint8_t {
  kLiteral,   // value
  kName,      // name
  kList,      // items
  kTuple,     // items
  kDict,      // items = key0, value0, key1, value1...
  kGetattr,   // a.name
  kGetitem,   // a[b]
  kSlice,     // a[b:c:d]; items = obj, start?, stop?, step? (nullptr when absent)
  kCall,      // a(args...)
  kFilter,    // a | name(args...); a may be null inside filter blocks
  kTest,      // a is name(args...)
  kNeg,       // -a
  kPos,       // +a
  kNot,       // not a
  kBinary,    // a op b (+ - * / // % ** ~)
  kAnd,
  kOr,
  kCompare,   // a op b op c...; ops
  kCond,      // b if a else c (c may be null)
  kConstDict, // a dict literal of constants, prebuilt in value; evaluates to a fresh copy
};

enum class BinOp : uint8_t { kAdd, kSub, kMul, kDiv, kFloorDiv, kMod, kPow, kConcat };
enum class CmpOp : uint8_t { kEq, kNe, kLt, kLe, kGt, kGe, kIn, kNotIn };

// Arguments of calls, filters and tests.
struct CallExprArgs {
  std::vector<ExprPtr> positional;
  std::vector<std::pair<std::string, ExprPtr>> keyword;
  ExprPtr star;      // *args
  ExprPtr star_star; // **kwargs
};

struct Expr {
  ExprKind kind = ExprKind::kLiteral;
  int line = 0;
  BinOp bin_op = BinOp::kAdd;
  bool negated = false;      // kTest: "is not"
  Value value;               // kLiteral (strings point into `name`)
  std::string name;          // kName, kGetattr attribute, kFilter/kTest name, literal text
  std::vector<ExprPtr> items;  // operands (see ExprKind)
  std::vector<CmpOp> ops;      // kCompare
  CallExprArgs args;           // kCall, kFilter, kTest
  FilterFn filter = nullptr;   // kFilter, resolved at compile time
  TestFn test = nullptr;       // kTest
  uint8_t method_kinds = 0;    // kGetattr: kMethod* bits of the kinds with a method `name`
  std::vector<ExprPtr> constants;  // kLiteral/kConstDict folded from a tuple/dict: its items
};

// Expr::method_kinds bits: the attribute names a str/list/tuple/dict method.
inline constexpr uint8_t kMethodStr = 1;
inline constexpr uint8_t kMethodList = 2;
inline constexpr uint8_t kMethodTuple = 4;
inline constexpr uint8_t kMethodDict = 8;

// Assignment targets: a name, a tuple of targets, or ns.attr.
struct Target {
  enum class Kind : uint8_t { kName, kTuple, kAttr } kind = Kind::kName;
  std::string name;            // kName; kAttr: the namespace variable
  std::string attr;            // kAttr
  std::vector<Target> items;   // kTuple
  int line = 0;
};

enum class StmtKind : uint8_t {
  kData,        // text
  kOutput,      // {{ expr }}
  kIf,          // conds[i] -> bodies[i]; else_body
  kFor,
  kSet,         // targets = expr
  kSetBlock,    // target = rendered body (| filter)
  kMacro,
  kCallBlock,
  kFilterBlock,
  kWith,
  kInclude,
  kImport,
  kFromImport,
  kExtends,
  kBlock,
};

struct MacroParam {
  std::string name;
  ExprPtr default_value;  // nullptr when required
};

struct Stmt {
  StmtKind kind = StmtKind::kData;
  int line = 0;
  std::string text;              // kData; kMacro/kBlock name; kImport alias
  ExprPtr expr;                  // kOutput, kFor iter, kSet value, kCallBlock call, template
  std::vector<ExprPtr> conds;    // kIf conditions; kFor filter (conds[0]); kWith values
  std::vector<Body> bodies;      // kIf bodies
  Body body;                     // for/macro/call/filter/with/block/set-block body
  Body else_body;                // if/for else
  Target target;                 // kFor, kSet, kSetBlock
  std::vector<Target> targets;   // kWith
  ExprPtr filter;                // kSetBlock / kFilterBlock filter chain (input null)
  std::vector<MacroParam> params;  // kMacro, kCallBlock
  bool recursive = false;        // kFor
  bool ignore_missing = false;   // kInclude
  bool with_context = true;      // kInclude, kImport, kFromImport
  bool scoped = false;           // kBlock
  bool required = false;         // kBlock
  bool uses_caller = false;      // kMacro: the body references `caller`
  bool uses_varargs = false;     // kMacro: the body references `varargs`
  bool uses_kwargs = false;      // kMacro: the body references `kwargs`
  bool direct_tojson = false;    // kOutput of `x | tojson`: dumped straight into the output
  bool uses_loop = true;         // kFor: the body may see `loop` (computed after parsing)
  std::vector<std::pair<std::string, std::string>> names;  // kFromImport (name, alias)
  std::string template_name;     // kBlock: the template that defines it
};

// A whole template: its body and the blocks it defines (in order of appearance).
struct TemplateAst {
  std::string name;
  Body body;
  std::vector<const Stmt*> blocks;
  bool has_extends = false;
};

}  // namespace gitops::jinja
