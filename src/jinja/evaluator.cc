// The evaluator (Jinja's runtime): statements, expressions with Python semantics, scoping
// (locals per loop/macro/block frame, template-level variables, the JSON context, globals),
// runtime objects (loop, macro, namespace, cycler, joiner, template modules), template
// inheritance, and the render limits.
#include "jinja/evaluator.h"

#include <chrono>
#include <cmath>
#include <deque>
#include <string>
#include <utility>
#include <vector>

#include "jinja/json_emit.h"
#include "jinja/methods.h"
#include "jinja/pystr.h"
#include "jinja/runtime.h"

// Evaluates `expr` (a Result<T>); returns its error, else assigns its value to `lhs`.
#define EV_CONCAT_INNER(a, b) a##b
#define EV_CONCAT(a, b) EV_CONCAT_INNER(a, b)
#define EV_ASSIGN(lhs, expr)                                                        \
  auto EV_CONCAT(ev_result_, __LINE__) = (expr);                                    \
  if (!EV_CONCAT(ev_result_, __LINE__).ok())                                        \
    return ::gitops::Unexpected(std::move(EV_CONCAT(ev_result_, __LINE__)).error()); \
  lhs = std::move(EV_CONCAT(ev_result_, __LINE__)).value()
#define EV_RETURN_IF_ERROR(expr)                                          \
  do {                                                                    \
    auto ev_status_ = (expr);                                             \
    if (!ev_status_.ok())                                                 \
      return ::gitops::Unexpected(std::move(ev_status_).error());         \
  } while (0)

namespace gitops::jinja {
namespace {

constexpr int64_t kMaxRange = 100000;  // Jinja's sandbox MAX_RANGE

Error TypeErr(std::string msg) { return MakeError(ErrorCode::kInvalidArgument, std::move(msg)); }

std::string OwnerType(const Value& v) {
  if (v.IsNone()) return "None";
  return std::string(v.TypeName()) + " object";
}

class Renderer;

// Base of the evaluator's runtime objects: member functions are called through CallMember.
class RtObject : public Object, public std::enable_shared_from_this<RtObject> {
 public:
  virtual Result<Value> CallMember(Renderer& r, int member, CallArgs& args);
  Value Member(int member);
};

// A bound member function of an RtObject (loop.cycle, cycler.next...).
class BoundMember final : public Object {
 public:
  BoundMember(std::shared_ptr<RtObject> self, int member) : self_(std::move(self)), member_(member) {}
  std::string_view TypeName() const override { return "method"; }
  bool IsCallable() const override { return true; }
  Result<Value> Call(Runtime& rt, CallArgs& args) override;

 private:
  std::shared_ptr<RtObject> self_;
  int member_;
};

Value RtObject::Member(int member) {
  return Value::FromObject(std::make_shared<BoundMember>(shared_from_this(), member));
}

// A method of a str/dict/list value, looked up but not yet called ({{ d.items }}).
class BoundMethod final : public Object {
 public:
  BoundMethod(Value self, std::string name) : self_(std::move(self)), name_(std::move(name)) {}
  std::string_view TypeName() const override { return "builtin_function_or_method"; }
  bool IsCallable() const override { return true; }
  Result<Value> Call(Runtime& rt, CallArgs& args) override {
    return CallMethod(rt, self_, name_, args);
  }
  std::string Str() const override {
    return "<built-in method " + name_ + " of " + OwnerType(self_) + ">";
  }

 private:
  Value self_;
  std::string name_;
};

// A sequence to iterate: a list/tuple, the keys or the (key, value) items of a dict, or
// materialized items.
struct Seq {
  Value src;
  enum Mode : uint8_t { kList, kKeys, kItems, kVec } mode = kVec;
  ValueList vec;
  size_t size = 0;
  Value Get(size_t i) const {
    switch (mode) {
      case kList: return src.At(i);
      case kKeys: return src.KeyAt(i);
      case kItems: return Value::Tuple({src.KeyAt(i), src.ValueAt(i)});
      default: return vec[i];
    }
  }
};

// True when `obj` (a str, list, tuple or dict) has a method whose kMethod* bits are `bits`.
bool HasMethodBits(const Value& obj, uint8_t bits) {
  switch (obj.kind()) {
    case Value::Kind::kString: return bits & kMethodStr;
    // A range has a tuple's methods (count, index).
    case Value::Kind::kList:
      return bits & (obj.IsTuple() || obj.IsRange() ? kMethodTuple : kMethodList);
    case Value::Kind::kDict: return bits & kMethodDict;
    default: return false;
  }
}

// `<dict>.items()` with no arguments: a for loop iterates it in place.
bool IsItemsCall(const Expr& e) {
  return e.kind == ExprKind::kCall && e.items[0]->kind == ExprKind::kGetattr &&
         e.items[0]->name == "items" && e.args.positional.empty() && e.args.keyword.empty() &&
         !e.args.star && !e.args.star_star;
}

struct Binding {
  std::string_view name;
  Value value;
};

// Template-level state shared by a template and its inheritance chain: variables assigned at
// top level (exported to importers), the context, and the block chains.
struct Module {
  const Json* context = nullptr;          // nullptr: imported without context
  DictData vars;                          // top-level {% set %} and macros
  std::shared_ptr<DictData> parent_vars;  // include with context: the includer's names
  std::vector<std::pair<std::string_view, std::vector<const Stmt*>>> blocks;
  const CompiledTemplate* parent = nullptr;  // set by {% extends %}
  const CompiledTemplate* tmpl = nullptr;
};

class Renderer final : public Runtime {
 public:
  Renderer(const Environment& env, const Json& context, std::string& out)
      : env_(env), opt_(env.options()), out_(&out) {
    deadline_ = std::chrono::steady_clock::now() + opt_.time_budget;
    context_ = context.is_object() ? &context : nullptr;
  }

  Status Run(const CompiledTemplate& tmpl) {
    Module* m = NewModule();
    m->context = context_;
    return RenderRoot(m, &tmpl);
  }

  // ---- Runtime ------------------------------------------------------------------------------
  Result<Value> GetAttr(const Value& obj, std::string_view name) override {
    return GetAttrValue(obj, name);
  }
  Result<Value> GetItem(const Value& obj, const Value& key) override {
    return GetItemValue(obj, key);
  }
  Result<bool> CallTest(std::string_view name, const Value& v, CallArgs& args) override {
    TestFn fn = FindTest(name);
    if (!fn) return Unexpected(TypeErr("No test named '" + std::string(name) + "'."));
    return fn(*this, v, args);
  }
  Result<Value> CallFilter(std::string_view name, const Value& v, CallArgs& args) override {
    FilterFn fn = FindFilter(name);
    if (!fn) return Unexpected(TypeErr("No filter named '" + std::string(name) + "'."));
    return fn(*this, v, args);
  }
  Result<Value> Call(const Value& callable, CallArgs& args) override {
    return CallValue(callable, args);
  }
  bool strict_undefined() const override { return opt_.strict_undefined; }
  Status Tick(size_t n) override {
    iterations_ += n;
    if (iterations_ < next_time_check_ && iterations_ <= opt_.max_loop_iterations) [[likely]] {
      return OkStatus();
    }
    return TickSlow();
  }
  [[gnu::noinline]] Status TickSlow() {
    if (iterations_ > opt_.max_loop_iterations) {
      return Unexpected(ErrorCode::kResourceExhausted,
                        "loop iteration limit exceeded (max_loop_iterations=" +
                            std::to_string(opt_.max_loop_iterations) + ")");
    }
    if (iterations_ >= next_time_check_) {
      next_time_check_ = iterations_ + 256;
      GITOPS_RETURN_IF_ERROR(CheckTime());
    }
    return OkStatus();
  }

  // ---- used by runtime objects --------------------------------------------------------------
  struct MacroDef {
    const Stmt* def;         // kMacro or kCallBlock
    Module* module;
    std::string_view template_name;
    std::vector<Binding> closure;
  };
  Result<Value> CallMacro(const MacroDef& m, std::string_view name, CallArgs& args);
  Result<Value> RecurseLoop(const Stmt& s, const Value& iterable, int depth);
  Result<Value> RenderBlockToValue(Module* m, std::string_view name, size_t index);

 private:
  friend class LoopObject;

  Status CheckTime() {
    if (std::chrono::steady_clock::now() > deadline_) {
      return Unexpected(ErrorCode::kDeadlineExceeded,
                        "render time budget exceeded (" +
                            std::to_string(opt_.time_budget.count()) + " ms)");
    }
    return OkStatus();
  }

  Status CheckOutput() {
    if (out_->size() > opt_.max_output_bytes) [[unlikely]] return OutputTooLarge();
    return OkStatus();
  }
  [[gnu::noinline, gnu::cold]] Status OutputTooLarge() const {
    return Unexpected(ErrorCode::kResourceExhausted,
                      "output exceeds the limit of " + std::to_string(opt_.max_output_bytes) +
                          " bytes");
  }

  Status EnterRecursion() {
    if (++depth_ > opt_.max_recursion_depth) {
      --depth_;
      return Unexpected(ErrorCode::kResourceExhausted,
                        "maximum recursion depth exceeded (max_recursion_depth=" +
                            std::to_string(opt_.max_recursion_depth) + ")");
    }
    return CheckTime();
  }

  Error Locate(Error e, int line) const {
    if (e.details.empty()) {
      std::string where = std::string(cur_name_) + ":" + std::to_string(line);
      e.message = where + ": " + e.message;
      e.details = std::move(where);
    }
    return e;
  }

  Module* NewModule() { return &modules_.emplace_back(); }

  // ---- scopes -------------------------------------------------------------------------------
  struct Saved {
    size_t locals_size, frame_base, scope_start;
    int scope_depth;
    Module* mod;
    std::string_view name;
  };
  Saved Save() const {
    return {locals_.size(), frame_base_, scope_start_, scope_depth_, mod_, cur_name_};
  }
  void Restore(const Saved& s) {
    locals_.resize(s.locals_size);
    frame_base_ = s.frame_base;
    scope_start_ = s.scope_start;
    scope_depth_ = s.scope_depth;
    mod_ = s.mod;
    cur_name_ = s.name;
  }

  Value Lookup(std::string_view name);
  void SetLocal(std::string_view name, Value v) {
    for (size_t i = locals_.size(); i > scope_start_; --i) {
      if (SameName(locals_[i - 1].name, name)) {
        locals_[i - 1].value = std::move(v);
        return;
      }
    }
    locals_.push_back({name, std::move(v)});
  }
  Status Assign(const Target& t, const Value& v) {
    if (t.kind != Target::Kind::kName) return AssignOther(t, v);
    if (scope_depth_ == 0) {
      mod_->vars.Set(Value::StrView(t.name), v);
    } else {
      SetLocal(t.name, v);
    }
    return OkStatus();
  }
  [[gnu::noinline]] Status AssignOther(const Target& t, const Value& v);
  // Assigns item `i` of `seq` to `t`; (key, value) items go to a two-name target directly.
  Status AssignItem(const Target& t, const Seq& seq, size_t i) {
    if (seq.mode == Seq::kItems && t.kind == Target::Kind::kTuple && t.items.size() == 2 &&
        t.items[0].kind == Target::Kind::kName && t.items[1].kind == Target::Kind::kName) {
      EV_RETURN_IF_ERROR(Assign(t.items[0], seq.src.KeyAt(i)));
      return Assign(t.items[1], seq.src.ValueAt(i));
    }
    return Assign(t, seq.Get(i));
  }
  Result<Seq> MakeSeq(const Value& v);

  // ---- statements ---------------------------------------------------------------------------
  Status RenderRoot(Module* m, const CompiledTemplate* tmpl);
  Status ExecBody(const Body& body) {
    for (const auto& s : body) {
      Status st = Exec(*s);
      if (!st.ok()) return Unexpected(Locate(std::move(st).error(), s->line));
    }
    return OkStatus();
  }
  // The frequent statements are handled here, in a small function; the rest in ExecOther.
  Status Exec(const Stmt& s) {
    switch (s.kind) {
      case StmtKind::kData:
        out_->append(s.text);
        return CheckOutput();
      case StmtKind::kOutput:
        if (s.direct_tojson) return OutputToJson(*s.expr);
        return ExecOutput(s);
      case StmtKind::kFor: return ExecFor(s);
      default: return ExecOther(s);
    }
  }
  [[gnu::noinline]] Status ExecOther(const Stmt& s);
  Status ExecOutput(const Stmt& s) {
    EV_ASSIGN(Value v, Eval(*s.expr));
    if (v.IsString()) {
      out_->append(v.AsString());
    } else if (v.IsUndefined()) {
      if (opt_.strict_undefined) return Unexpected(UndefinedError(v));
      return OkStatus();
    } else {
      AppendStr(*out_, v);
    }
    return CheckOutput();
  }
  // {{ x | tojson }} without arguments: what the tojson filter does (htmlsafe json.dumps with
  // sorted keys; undefined input is an error in strict mode), appended straight to the output.
  Status OutputToJson(const Expr& filter) {
    EV_ASSIGN(Value input, Eval(*filter.items[0]));
    if (input.IsUndefined() && opt_.strict_undefined) {
      return Unexpected(Locate(UndefinedError(input), filter.line));
    }
    JsonDumpOptions options;
    options.sort_keys = true;
    options.html_safe = true;
    Status st = AppendJsonDumps(*out_, input, options);
    if (!st.ok()) return Unexpected(Locate(std::move(st).error(), filter.line));
    return CheckOutput();
  }
  Status ExecFor(const Stmt& s);
  Status RunLoop(const Stmt& s, Seq seq, int depth);
  Status ExecMacroDef(const Stmt& s);
  Status ExecCallBlock(const Stmt& s);
  Status ExecInclude(const Stmt& s);
  Status ExecImport(const Stmt& s);
  Status ExecBlock(const Stmt& s);
  Status RenderBlock(Module* m, std::string_view name, size_t index);
  Result<std::string> Capture(const Body& body) {
    std::string buf;
    std::string* saved = out_;
    out_ = &buf;
    Status st = ExecBody(body);
    out_ = saved;
    if (!st.ok()) return Unexpected(std::move(st).error());
    return buf;
  }
  Result<TemplatePtr> LoadTemplate(const Value& name_value, bool ignore_missing);
  Result<Module*> ImportModule(const Value& name_value, bool with_context, std::string* body);
  std::vector<Binding> VisibleLocals() const {
    return std::vector<Binding>(locals_.begin() + static_cast<std::ptrdiff_t>(frame_base_),
                                locals_.end());
  }

  // ---- expressions --------------------------------------------------------------------------
  Result<Value> Eval(const Expr& e) {
    Result<Value> r = EvalInner(e);
    // One return of `r`, so it is built in place (no move of the Result).
    if (!r.ok()) [[unlikely]] r = Unexpected(Locate(std::move(r).error(), e.line));
    return r;
  }
  // The frequent expressions are handled here, in a small function; the rest in EvalOther.
  Result<Value> EvalInner(const Expr& e) {
    switch (e.kind) {
      case ExprKind::kLiteral: return e.value;
      case ExprKind::kName: return Lookup(e.name);
      case ExprKind::kGetattr: return EvalGetattr(e);
      case ExprKind::kFilter: return EvalFilter(e);
      default: return EvalOther(e);
    }
  }
  [[gnu::noinline]] Result<Value> EvalOther(const Expr& e);
  Result<Value> EvalFilter(const Expr& e) {
    Value input;
    if (e.items[0]) {
      EV_ASSIGN(input, Eval(*e.items[0]));
    } else if (filter_input_) {
      input = *filter_input_;
    }
    CallArgs args;
    std::vector<Value> keep;
    EV_RETURN_IF_ERROR(BuildArgs(e.args, args, keep));
    // An unknown filter in an if branch or inline if compiles (as in Jinja2 3.x) and fails
    // only when it runs.
    if (!e.filter) [[unlikely]] {
      return Unexpected(TypeErr("No filter named '" + e.name + "' found."));
    }
    return e.filter(*this, input, args);
  }
  Result<Value> EvalGetattr(const Expr& e) {
    EV_ASSIGN(Value obj, Eval(*e.items[0]));
    // The common case first: a key of a dict that is not a dict method's name.
    if (obj.IsDict() && !HasMethodBits(obj, e.method_kinds)) {
      if (auto v = obj.Find(e.name)) return *std::move(v);
    }
    return GetAttrValue(obj, e.name, e.method_kinds);
  }
  Result<bool> Truthy(const Value& v) {
    if (v.IsUndefined() && opt_.strict_undefined) return Unexpected(UndefinedError(v));
    return v.Truthy();
  }
  Status BuildArgs(const CallExprArgs& a, CallArgs& out, std::vector<Value>& keep);
  Result<Value> EvalCall(const Expr& e);
  // Calls attribute `callee.name` of `obj` (already evaluated) with the arguments of `e`.
  Result<Value> CallAttr(const Expr& e, const Expr& callee, const Value& obj);
  // The iterable of a for loop; `d.items()` of a dict is iterated in place.
  Result<Seq> LoopSeq(const Expr& e);
  Result<Value> CallValue(const Value& fn, CallArgs& args);
  // Jinja's getattr. `method_bits` are the name's kMethod* bits when known (-1: look up).
  Result<Value> GetAttrValue(const Value& obj, std::string_view name, int method_bits = -1);
  Result<Value> GetItemValue(const Value& obj, const Value& key);
  Result<Value> EvalSlice(const Expr& e);
  Result<Value> Binary(BinOp op, const Value& a, const Value& b);
  Result<bool> Compare(CmpOp op, const Value& a, const Value& b);
  Result<bool> Contains(const Value& container, const Value& item);
  Status CheckSize(size_t n) {
    if (n > opt_.max_output_bytes) {
      return Unexpected(ErrorCode::kResourceExhausted,
                        "value exceeds the limit of " + std::to_string(opt_.max_output_bytes) +
                            " bytes");
    }
    return OkStatus();
  }

  const Environment& env_;
  const Options& opt_;
  const Json* context_ = nullptr;
  std::string* out_;
  std::string discard_;
  std::vector<Binding> locals_;
  size_t frame_base_ = 0;
  size_t scope_start_ = 0;
  int scope_depth_ = 0;
  Module* mod_ = nullptr;
  std::string_view cur_name_;
  std::deque<Module> modules_;
  std::vector<TemplatePtr> loaded_;
  struct BlockFrame {
    Module* module;
    std::string_view name;
    size_t index;
  };
  std::vector<BlockFrame> block_stack_;
  const Value* filter_input_ = nullptr;
  size_t iterations_ = 0;
  size_t next_time_check_ = 256;
  int depth_ = 0;
  std::chrono::steady_clock::time_point deadline_;
};

Result<Value> RtObject::CallMember(Renderer&, int, CallArgs&) {
  return Unexpected(TypeErr("not callable"));
}

Result<Value> BoundMember::Call(Runtime& rt, CallArgs& args) {
  return self_->CallMember(static_cast<Renderer&>(rt), member_, args);
}

// ---- runtime objects ---------------------------------------------------------------------

class MacroObject final : public RtObject {
 public:
  MacroObject(Renderer::MacroDef def, std::string_view name)
      : def_(std::move(def)), name_(name) {}
  std::string_view TypeName() const override { return "Macro"; }
  bool IsCallable() const override { return true; }
  Result<Value> Call(Runtime& rt, CallArgs& args) override {
    return static_cast<Renderer&>(rt).CallMacro(def_, name_, args);
  }
  Result<Value> GetAttr(Runtime&, std::string_view attr) const override {
    const Stmt& s = *def_.def;
    if (attr == "name") return Value::StrView(name_);
    if (attr == "arguments") {
      ValueList names;
      for (const auto& p : s.params) names.push_back(Value::StrView(p.name));
      return Value::Tuple(std::move(names));
    }
    if (attr == "catch_kwargs") return Value::Bool(s.uses_kwargs);
    if (attr == "catch_varargs") return Value::Bool(s.uses_varargs);
    if (attr == "caller") return Value::Bool(s.uses_caller);
    return Value::UndefinedOwned(std::string(attr), "Macro object");
  }
  std::string Str() const override { return "<Macro '" + std::string(name_) + "'>"; }

 private:
  Renderer::MacroDef def_;
  std::string_view name_;
};

enum LoopMember { kLoopCycle, kLoopChanged };

class LoopObject final : public RtObject {
 public:
  LoopObject(const Stmt* stmt, Seq seq, int depth) : stmt_(stmt), seq_(std::move(seq)), depth_(depth) {}
  std::string_view TypeName() const override { return "LoopContext"; }
  bool IsCallable() const override { return stmt_->recursive; }
  Result<Value> Call(Runtime& rt, CallArgs& args) override {
    if (!stmt_->recursive) return Object::Call(rt, args);
    if (args.positional.size() != 1 || !args.keyword.empty()) {
      return Unexpected(TypeErr("loop() takes exactly one argument"));
    }
    return static_cast<Renderer&>(rt).RecurseLoop(*stmt_, args.positional[0], depth_ + 1);
  }
  Result<Value> GetAttr(Runtime&, std::string_view a) const override {
    int64_t n = static_cast<int64_t>(seq_.size);
    int64_t i = static_cast<int64_t>(index0_);
    if (a == "index") return Value::Int(i + 1);
    if (a == "index0") return Value::Int(i);
    if (a == "revindex") return Value::Int(n - i);
    if (a == "revindex0") return Value::Int(n - i - 1);
    if (a == "first") return Value::Bool(i == 0);
    if (a == "last") return Value::Bool(i == n - 1);
    if (a == "length") return Value::Int(n);
    if (a == "depth") return Value::Int(depth_);
    if (a == "depth0") return Value::Int(depth_ - 1);
    if (a == "previtem") {
      if (i == 0) return Value::UndefinedWithMessage("there is no previous item");
      return seq_.Get(index0_ - 1);
    }
    if (a == "nextitem") {
      if (i + 1 >= n) return Value::UndefinedWithMessage("there is no next item");
      return seq_.Get(index0_ + 1);
    }
    auto* self = const_cast<LoopObject*>(this);
    if (a == "cycle") return self->Member(kLoopCycle);
    if (a == "changed") return self->Member(kLoopChanged);
    return Value::UndefinedOwned(std::string(a), "LoopContext object");
  }
  Result<Value> CallMember(Renderer&, int member, CallArgs& args) override {
    if (member == kLoopCycle) {
      if (args.positional.empty()) return Unexpected(TypeErr("no items for cycling given"));
      return args.positional[index0_ % args.positional.size()];
    }
    // changed(*values)
    bool changed = !has_last_ || last_.size() != args.positional.size();
    if (!changed) {
      for (size_t k = 0; k < last_.size(); ++k) {
        if (!Equals(last_[k], args.positional[k])) changed = true;
      }
    }
    if (changed) {
      last_ = args.positional;
      has_last_ = true;
    }
    return Value::Bool(changed);
  }
  std::string Str() const override {
    return "<LoopContext " + std::to_string(index0_ + 1) + "/" + std::to_string(seq_.size) + ">";
  }

  const Stmt* stmt_;
  Seq seq_;
  int depth_;
  size_t index0_ = 0;
  ValueList last_;
  bool has_last_ = false;
};

class NamespaceObject final : public RtObject {
 public:
  std::string_view TypeName() const override { return "Namespace"; }
  Result<Value> GetAttr(Runtime&, std::string_view a) const override {
    if (const Value* v = attrs_.Find(a)) return *v;
    return Value::UndefinedOwned(std::string(a), "Namespace object");
  }
  Status SetAttr(std::string_view name, Value value) override {
    attrs_.Set(Value::Str(std::string(name)), std::move(value));
    return OkStatus();
  }
  std::string Str() const override {
    std::string s = "<Namespace {";
    for (size_t i = 0; i < attrs_.items.size(); ++i) {
      if (i) s += ", ";
      AppendRepr(s, attrs_.items[i].first);
      s += ": ";
      AppendRepr(s, attrs_.items[i].second);
    }
    return s + "}>";
  }
  DictData attrs_;
};

enum CyclerMember { kCyclerNext, kCyclerReset };

class CyclerObject final : public RtObject {
 public:
  explicit CyclerObject(ValueList items) : items_(std::move(items)) {}
  std::string_view TypeName() const override { return "Cycler"; }
  Result<Value> GetAttr(Runtime&, std::string_view a) const override {
    auto* self = const_cast<CyclerObject*>(this);
    if (a == "current") return items_[pos_];
    if (a == "next" || a == "__next__") return self->Member(kCyclerNext);
    if (a == "reset") return self->Member(kCyclerReset);
    if (a == "items") return Value::List(items_);
    return Value::UndefinedOwned(std::string(a), "Cycler object");
  }
  Result<Value> CallMember(Renderer&, int member, CallArgs&) override {
    if (member == kCyclerReset) {
      pos_ = 0;
      return Value::None();
    }
    Value v = items_[pos_];
    pos_ = (pos_ + 1) % items_.size();
    return v;
  }
  ValueList items_;
  size_t pos_ = 0;
};

class JoinerObject final : public RtObject {
 public:
  explicit JoinerObject(Value sep) : sep_(std::move(sep)) {}
  std::string_view TypeName() const override { return "Joiner"; }
  bool IsCallable() const override { return true; }
  Result<Value> Call(Runtime&, CallArgs&) override {
    if (!used_) {
      used_ = true;
      return Value::StrView("");
    }
    return sep_;
  }
  Value sep_;
  bool used_ = false;
};

class ModuleObject final : public RtObject {
 public:
  ModuleObject(Module* m, std::string_view name, std::string body)
      : m_(m), name_(name), body_(std::move(body)) {}
  std::string_view TypeName() const override { return "TemplateModule"; }
  Result<Value> GetAttr(Runtime&, std::string_view a) const override {
    if (const Value* v = m_->vars.Find(a)) return *v;
    return Value::UndefinedOwned(std::string(a), "TemplateModule object");
  }
  // str(module) is the template's rendered body, as in Jinja.
  std::string Str() const override { return body_; }
  Module* m_;
  std::string_view name_;
  std::string body_;
};

class SuperObject final : public RtObject {
 public:
  SuperObject(Module* m, std::string_view name, size_t index) : m_(m), name_(name), index_(index) {}
  std::string_view TypeName() const override { return "BlockReference"; }
  bool IsCallable() const override { return true; }
  Result<Value> Call(Runtime& rt, CallArgs&) override {
    return static_cast<Renderer&>(rt).RenderBlockToValue(m_, name_, index_);
  }
  Module* m_;
  std::string_view name_;
  size_t index_;
};

class SelfObject final : public RtObject {
 public:
  explicit SelfObject(Module* m) : m_(m) {}
  std::string_view TypeName() const override { return "TemplateReference"; }
  Result<Value> GetAttr(Runtime&, std::string_view a) const override {
    for (const auto& [name, chain] : m_->blocks) {
      if (name == a) return Value::FromObject(std::make_shared<SuperObject>(m_, name, 0));
    }
    return Value::UndefinedOwned(std::string(a), "TemplateReference object");
  }
  Module* m_;
};

// ---- globals -----------------------------------------------------------------------------

using GlobalFn = Result<Value> (*)(Renderer& r, CallArgs& args);

class GlobalFunction final : public Object {
 public:
  GlobalFunction(std::string_view name, GlobalFn fn) : name_(name), fn_(fn) {}
  std::string_view TypeName() const override { return "builtin_function_or_method"; }
  bool IsCallable() const override { return true; }
  Result<Value> Call(Runtime& rt, CallArgs& args) override {
    return fn_(static_cast<Renderer&>(rt), args);
  }
  std::string Str() const override { return "<built-in function " + std::string(name_) + ">"; }

 private:
  std::string_view name_;
  GlobalFn fn_;
};

Result<Value> GlobalRange(Renderer& r, CallArgs& args) {
  if (!args.keyword.empty()) return Unexpected(TypeErr("range() takes no keyword arguments"));
  size_t n = args.positional.size();
  if (n < 1 || n > 3) {
    return Unexpected(TypeErr("range expected at most 3 arguments, got " + std::to_string(n)));
  }
  int64_t v[3] = {0, 0, 1};
  for (size_t i = 0; i < n; ++i) {
    const Value& a = args.positional[i];
    if (a.IsUndefined()) return Unexpected(UndefinedError(a));
    if (a.IsBigInt()) return Unexpected(TypeErr("Python int too large to convert to C ssize_t"));
    if (!a.IsInt() && !a.IsBool()) {
      return Unexpected(TypeErr("'" + std::string(a.TypeName()) +
                                "' object cannot be interpreted as an integer"));
    }
  }
  if (n == 1) {
    v[1] = args.positional[0].AsInt();
  } else {
    v[0] = args.positional[0].AsInt();
    v[1] = args.positional[1].AsInt();
    if (n == 3) v[2] = args.positional[2].AsInt();
  }
  if (v[2] == 0) return Unexpected(TypeErr("range() arg 3 must not be zero"));
  long double count_ld = std::ceil(static_cast<long double>(
                             static_cast<long double>(v[1]) - static_cast<long double>(v[0])) /
                         static_cast<long double>(v[2]));
  int64_t count = count_ld > 0 ? static_cast<int64_t>(std::min<long double>(count_ld, 1e18)) : 0;
  if (count > kMaxRange) {
    return Unexpected(ErrorCode::kResourceExhausted,
                      "Range too big. The sandbox blocks ranges larger than MAX_RANGE (" +
                          std::to_string(kMaxRange) + ").");
  }
  GITOPS_RETURN_IF_ERROR(r.Tick(static_cast<size_t>(count) / 16));
  return Value::Range(v[0], v[1], v[2]);
}

Result<Value> GlobalDict(Renderer&, CallArgs& args) {
  DictData d;
  for (const Value& p : args.positional) {
    if (!p.IsDict()) return Unexpected(TypeErr("dict() positional argument must be a mapping"));
    for (size_t i = 0; i < p.Size(); ++i) d.Set(p.KeyAt(i), p.ValueAt(i));
  }
  for (const auto& [k, v] : args.keyword) d.Set(Value::Str(std::string(k)), v);
  return Value::Dict(std::move(d));
}

Result<Value> GlobalNamespace(Renderer&, CallArgs& args) {
  auto ns = std::make_shared<NamespaceObject>();
  for (const Value& p : args.positional) {
    if (!p.IsDict()) return Unexpected(TypeErr("namespace() positional argument must be a mapping"));
    for (size_t i = 0; i < p.Size(); ++i) {
      Value k = p.KeyAt(i);
      ns->attrs_.Set(k.IsString() ? Value::Str(std::string(k.AsString())) : k, p.ValueAt(i));
    }
  }
  for (const auto& [k, v] : args.keyword) ns->attrs_.Set(Value::Str(std::string(k)), v);
  return Value::FromObject(ns);
}

Result<Value> GlobalCycler(Renderer&, CallArgs& args) {
  if (args.positional.empty()) {
    return Unexpected(TypeErr("at least one item has to be provided"));
  }
  return Value::FromObject(std::make_shared<CyclerObject>(args.positional));
}

Result<Value> GlobalJoiner(Renderer&, CallArgs& args) {
  auto sep = args.Get(0, "sep");
  return Value::FromObject(std::make_shared<JoinerObject>(sep ? *sep : Value::StrView(", ")));
}

const Value* FindGlobal(std::string_view name) {
  static const std::pair<std::string_view, Value> kGlobals[] = {
      {"range", Value::FromObject(std::make_shared<GlobalFunction>("range", &GlobalRange))},
      {"dict", Value::FromObject(std::make_shared<GlobalFunction>("dict", &GlobalDict))},
      {"namespace",
       Value::FromObject(std::make_shared<GlobalFunction>("namespace", &GlobalNamespace))},
      {"cycler", Value::FromObject(std::make_shared<GlobalFunction>("cycler", &GlobalCycler))},
      {"joiner", Value::FromObject(std::make_shared<GlobalFunction>("joiner", &GlobalJoiner))},
  };
  for (const auto& [n, v] : kGlobals) {
    if (n == name) return &v;
  }
  return nullptr;
}

// ---- arithmetic helpers -------------------------------------------------------------------

int64_t FloorDivInt(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

int64_t FloorModInt(int64_t a, int64_t b) {
  int64_t m = a % b;
  if (m != 0 && ((m < 0) != (b < 0))) m += b;
  return m;
}

double FloorModFloat(double a, double b) {
  double m = std::fmod(a, b);
  if (m != 0) {
    if ((b < 0) != (m < 0)) m += b;
  } else {
    m = std::copysign(0.0, b);
  }
  return m;
}

Error Overflow() {
  // Slice steps and the like: Python would fail too ("cannot fit 'int' into an index-sized
  // integer").
  return TypeErr("integer overflow");
}

// The IntOp of an arithmetic BinOp (not kConcat).
IntOp ToIntOp(BinOp op) {
  switch (op) {
    case BinOp::kAdd: return IntOp::kAdd;
    case BinOp::kSub: return IntOp::kSub;
    case BinOp::kMul: return IntOp::kMul;
    case BinOp::kDiv: return IntOp::kTrueDiv;
    case BinOp::kFloorDiv: return IntOp::kFloorDiv;
    case BinOp::kMod: return IntOp::kMod;
    default: return IntOp::kPow;
  }
}

// True when an int64 is exactly representable as a double (|i| <= 2**53).
bool ExactDouble(int64_t i) { return i >= -(int64_t{1} << 53) && i <= (int64_t{1} << 53); }

Error Unsupported(std::string_view op, const Value& a, const Value& b) {
  return TypeErr("unsupported operand type(s) for " + std::string(op) + ": '" +
                 std::string(a.TypeName()) + "' and '" + std::string(b.TypeName()) + "'");
}

std::string_view OpName(BinOp op) {
  switch (op) {
    case BinOp::kAdd: return "+";
    case BinOp::kSub: return "-";
    case BinOp::kMul: return "*";
    case BinOp::kDiv: return "/";
    case BinOp::kFloorDiv: return "//";
    case BinOp::kMod: return "%";
    case BinOp::kPow: return "** or pow()";
    case BinOp::kConcat: return "~";
  }
  return "?";
}

// Sequences that `*` repeats (Python's range does not support it).
bool IsSeq(const Value& v) { return v.IsString() || (v.IsList() && !v.IsRange()); }

// ---- Renderer: names and assignment ------------------------------------------------------

Value Renderer::Lookup(std::string_view name) {
  for (size_t i = locals_.size(); i > frame_base_; --i) {
    if (SameName(locals_[i - 1].name, name)) return locals_[i - 1].value;
  }
  if (const Value* v = mod_->vars.Find(name)) return *v;
  if (mod_->parent_vars) {
    if (const Value* v = mod_->parent_vars->Find(name)) return *v;
  }
  if (mod_->context) {
    const auto& obj = mod_->context->get_ref<const Json::object_t&>();
    for (const auto& [k, v] : obj) {
      if (SameName(k, name)) return Value::FromJson(v);
    }
  }
  if (name == "super" && !block_stack_.empty()) {
    const BlockFrame& b = block_stack_.back();
    return Value::FromObject(std::make_shared<SuperObject>(b.module, b.name, b.index + 1));
  }
  if (name == "self") return Value::FromObject(std::make_shared<SelfObject>(mod_));
  if (const Value* g = FindGlobal(name)) return *g;
  return Value::Undefined(name);
}

Result<Seq> Renderer::MakeSeq(const Value& v) {
  Seq s;
  switch (v.kind()) {
    case Value::Kind::kList:
      s.src = v;
      s.mode = Seq::kList;
      s.size = v.Size();
      return s;
    case Value::Kind::kDict:
      s.src = v;
      s.mode = Seq::kKeys;
      s.size = v.Size();
      return s;
    case Value::Kind::kString: {
      std::string_view str = v.AsString();
      size_t i = 0;
      while (i < str.size()) {
        size_t len = 1;
        unsigned char c = static_cast<unsigned char>(str[i]);
        if (c >= 0xF0) len = 4;
        else if (c >= 0xE0) len = 3;
        else if (c >= 0xC0) len = 2;
        len = std::min(len, str.size() - i);
        s.vec.push_back(Value::Str(std::string(str.substr(i, len))));
        i += len;
      }
      s.size = s.vec.size();
      return s;
    }
    case Value::Kind::kUndefined:
      if (opt_.strict_undefined) return Unexpected(UndefinedError(v));
      return s;
    case Value::Kind::kObject:
      if (auto* c = dynamic_cast<CyclerObject*>(v.AsObject())) {
        s.vec = c->items_;
        s.size = s.vec.size();
        return s;
      }
      [[fallthrough]];
    default:
      return Unexpected(TypeErr("'" + std::string(v.TypeName()) + "' object is not iterable"));
  }
}

Status Renderer::AssignOther(const Target& t, const Value& v) {
  switch (t.kind) {
    case Target::Kind::kName:
      if (scope_depth_ == 0) {
        mod_->vars.Set(Value::StrView(t.name), v);
      } else {
        SetLocal(t.name, v);
      }
      return OkStatus();
    case Target::Kind::kTuple: {
      if (v.IsUndefined()) return Unexpected(UndefinedError(v));
      EV_ASSIGN(Seq seq, MakeSeq(v));
      if (seq.size < t.items.size()) {
        return Unexpected(TypeErr("not enough values to unpack (expected " +
                                  std::to_string(t.items.size()) + ", got " +
                                  std::to_string(seq.size) + ")"));
      }
      if (seq.size > t.items.size()) {
        return Unexpected(TypeErr("too many values to unpack (expected " +
                                  std::to_string(t.items.size()) + ")"));
      }
      for (size_t i = 0; i < t.items.size(); ++i) {
        EV_RETURN_IF_ERROR(Assign(t.items[i], seq.Get(i)));
      }
      return OkStatus();
    }
    case Target::Kind::kAttr: {
      Value ns = Lookup(t.name);
      auto* obj = ns.IsObject() ? dynamic_cast<NamespaceObject*>(ns.AsObject()) : nullptr;
      if (!obj) {
        return Unexpected(TypeErr("cannot assign attribute on non-namespace object"));
      }
      return obj->SetAttr(t.attr, v);
    }
  }
  return OkStatus();
}

// ---- Renderer: statements ----------------------------------------------------------------

Status Renderer::RenderRoot(Module* m, const CompiledTemplate* tmpl) {
  Saved saved = Save();
  std::string* saved_out = out_;
  mod_ = m;
  frame_base_ = scope_start_ = locals_.size();
  scope_depth_ = 0;
  int extends_depth = 0;
  Status result = OkStatus();
  while (true) {
    m->tmpl = tmpl;
    for (const Stmt* b : tmpl->ast->blocks) {
      bool found = false;
      for (auto& [name, chain] : m->blocks) {
        if (name == b->text) {
          chain.push_back(b);
          found = true;
        }
      }
      if (!found) m->blocks.push_back({b->text, {b}});
    }
    cur_name_ = tmpl->name;
    result = ExecBody(tmpl->ast->body);
    if (!result.ok() || !m->parent) break;
    tmpl = m->parent;
    m->parent = nullptr;
    out_ = saved_out;
    if (++extends_depth > opt_.max_recursion_depth) {
      result = Unexpected(ErrorCode::kResourceExhausted,
                          "maximum recursion depth exceeded (extends chain)");
      break;
    }
  }
  out_ = saved_out;
  Restore(saved);
  return result;
}

Status Renderer::ExecOther(const Stmt& s) {
  switch (s.kind) {
    case StmtKind::kData:
      out_->append(s.text);
      return CheckOutput();
    case StmtKind::kOutput: {
      if (s.direct_tojson) return OutputToJson(*s.expr);
      EV_ASSIGN(Value v, Eval(*s.expr));
      if (v.IsUndefined()) {
        if (opt_.strict_undefined) return Unexpected(UndefinedError(v));
        return OkStatus();
      }
      AppendStr(*out_, v);
      return CheckOutput();
    }
    case StmtKind::kIf: {
      for (size_t i = 0; i < s.conds.size(); ++i) {
        EV_ASSIGN(Value c, Eval(*s.conds[i]));
        EV_ASSIGN(bool t, Truthy(c));
        if (t) return ExecBody(s.bodies[i]);
      }
      return ExecBody(s.else_body);
    }
    case StmtKind::kFor: return ExecFor(s);
    case StmtKind::kSet: {
      EV_ASSIGN(Value v, Eval(*s.expr));
      return Assign(s.target, v);
    }
    case StmtKind::kSetBlock: {
      Saved saved = Save();
      ++scope_depth_;
      scope_start_ = locals_.size();
      auto body = Capture(s.body);
      Restore(saved);
      if (!body.ok()) return Unexpected(std::move(body).error());
      Value v = Value::Str(std::move(body).value());
      if (s.filter) {
        const Value* saved_input = filter_input_;
        filter_input_ = &v;
        auto r = Eval(*s.filter);
        filter_input_ = saved_input;
        if (!r.ok()) return Unexpected(std::move(r).error());
        v = std::move(r).value();
      }
      return Assign(s.target, v);
    }
    case StmtKind::kMacro: return ExecMacroDef(s);
    case StmtKind::kCallBlock: return ExecCallBlock(s);
    case StmtKind::kFilterBlock: {
      Saved saved = Save();
      ++scope_depth_;
      scope_start_ = locals_.size();
      auto body = Capture(s.body);
      Restore(saved);
      if (!body.ok()) return Unexpected(std::move(body).error());
      Value v = Value::Str(std::move(body).value());
      const Value* saved_input = filter_input_;
      filter_input_ = &v;
      auto r = Eval(*s.filter);
      filter_input_ = saved_input;
      if (!r.ok()) return Unexpected(std::move(r).error());
      if (r->IsUndefined() && opt_.strict_undefined) return Unexpected(UndefinedError(*r));
      AppendStr(*out_, *r);
      return CheckOutput();
    }
    case StmtKind::kWith: {
      ValueList values;
      for (const auto& e : s.conds) {
        EV_ASSIGN(Value v, Eval(*e));
        values.push_back(std::move(v));
      }
      Saved saved = Save();
      ++scope_depth_;
      scope_start_ = locals_.size();
      Status st = OkStatus();
      for (size_t i = 0; i < values.size() && st.ok(); ++i) st = Assign(s.targets[i], values[i]);
      if (st.ok()) st = ExecBody(s.body);
      Restore(saved);
      return st;
    }
    case StmtKind::kInclude: return ExecInclude(s);
    case StmtKind::kImport:
    case StmtKind::kFromImport: return ExecImport(s);
    case StmtKind::kExtends: {
      if (mod_->parent) {
        return Unexpected(TypeErr("extended multiple times"));
      }
      EV_ASSIGN(Value name, Eval(*s.expr));
      EV_ASSIGN(TemplatePtr t, LoadTemplate(name, false));
      mod_->parent = &t->compiled();
      loaded_.push_back(std::move(t));
      out_ = &discard_;
      discard_.clear();
      return OkStatus();
    }
    case StmtKind::kBlock: return ExecBlock(s);
  }
  return OkStatus();
}

Status Renderer::ExecFor(const Stmt& s) {
  EV_ASSIGN(Seq seq, LoopSeq(*s.expr));
  if (!s.conds.empty()) {
    // The `if` clause filters before the loop runs, so loop.length counts what is left.
    Saved saved = Save();
    ++scope_depth_;
    scope_start_ = locals_.size();
    Seq filtered;
    for (size_t i = 0; i < seq.size; ++i) {
      GITOPS_RETURN_IF_ERROR(Tick(1));
      locals_.resize(scope_start_);
      Status st = AssignItem(s.target, seq, i);
      if (!st.ok()) {
        Restore(saved);
        return st;
      }
      auto c = Eval(*s.conds[0]);
      Result<bool> t = c.ok() ? Truthy(*c) : Result<bool>(std::move(c).error());
      if (!t.ok()) {
        Restore(saved);
        return Unexpected(std::move(t).error());
      }
      if (*t) filtered.vec.push_back(seq.Get(i));
    }
    Restore(saved);
    filtered.size = filtered.vec.size();
    seq = std::move(filtered);
  }
  return RunLoop(s, std::move(seq), 1);
}

Status Renderer::RunLoop(const Stmt& s, Seq seq, int depth) {
  if (seq.size == 0) return ExecBody(s.else_body);
  Saved saved = Save();
  ++scope_depth_;
  scope_start_ = locals_.size();
  // The loop object exists only when the body can see it.
  std::shared_ptr<LoopObject> loop;
  Value loop_value;
  const Seq* items = &seq;
  if (s.uses_loop || s.recursive) {
    loop = std::make_shared<LoopObject>(&s, std::move(seq), depth);
    loop_value = Value::FromObject(loop);
    items = &loop->seq_;
  }
  // Statuses are checked where they are made: assigning one moves two strings.
  auto iterate = [&]() -> Status {
    size_t n = items->size;
    for (size_t i = 0; i < n; ++i) {
      GITOPS_RETURN_IF_ERROR(Tick(1));
      locals_.resize(scope_start_);
      if (loop) {
        loop->index0_ = i;
        locals_.push_back({"loop", loop_value});
      }
      GITOPS_RETURN_IF_ERROR(AssignItem(s.target, *items, i));
      GITOPS_RETURN_IF_ERROR(ExecBody(s.body));
    }
    return OkStatus();
  };
  Status st = iterate();
  Restore(saved);
  return st;
}

Result<Value> Renderer::RecurseLoop(const Stmt& s, const Value& iterable, int depth) {
  EV_RETURN_IF_ERROR(EnterRecursion());
  auto seq = MakeSeq(iterable);
  if (!seq.ok()) {
    --depth_;
    return Unexpected(std::move(seq).error());
  }
  std::string buf;
  std::string* saved_out = out_;
  out_ = &buf;
  Status st = RunLoop(s, std::move(seq).value(), depth);
  out_ = saved_out;
  --depth_;
  if (!st.ok()) return Unexpected(std::move(st).error());
  return Value::Str(std::move(buf));
}

Status Renderer::ExecMacroDef(const Stmt& s) {
  MacroDef def{&s, mod_, cur_name_, {}};
  if (scope_depth_ > 0) def.closure = VisibleLocals();
  Value macro = Value::FromObject(std::make_shared<MacroObject>(std::move(def), s.text));
  if (scope_depth_ == 0) {
    mod_->vars.Set(Value::StrView(s.text), std::move(macro));
  } else {
    SetLocal(s.text, std::move(macro));
  }
  return OkStatus();
}

Status Renderer::ExecCallBlock(const Stmt& s) {
  MacroDef def{&s, mod_, cur_name_, VisibleLocals()};
  Value caller = Value::FromObject(std::make_shared<MacroObject>(std::move(def), "caller"));
  const Expr& call = *s.expr;
  CallArgs args;
  std::vector<Value> keep;
  EV_RETURN_IF_ERROR(BuildArgs(call.args, args, keep));
  args.keyword.emplace_back("caller", caller);
  Value fn;
  const Expr& callee = *call.items[0];
  if (callee.kind == ExprKind::kGetattr) {
    EV_ASSIGN(Value obj, Eval(*callee.items[0]));
    EV_ASSIGN(fn, GetAttrValue(obj, callee.name));
  } else {
    EV_ASSIGN(fn, Eval(callee));
  }
  EV_ASSIGN(Value result, CallValue(fn, args));
  if (result.IsUndefined()) {
    if (opt_.strict_undefined) return Unexpected(UndefinedError(result));
    return OkStatus();
  }
  AppendStr(*out_, result);
  return CheckOutput();
}

Result<Value> Renderer::CallMacro(const MacroDef& m, std::string_view name, CallArgs& args) {
  const Stmt& s = *m.def;
  size_t nparams = s.params.size();
  // Bind arguments as jinja2.runtime.Macro.__call__ does.
  std::vector<std::optional<Value>> bound(nparams);
  size_t npos = std::min(args.positional.size(), nparams);
  for (size_t i = 0; i < npos; ++i) bound[i] = args.positional[i];
  std::vector<bool> used_kw(args.keyword.size(), false);
  for (size_t i = npos; i < nparams; ++i) {
    for (size_t k = 0; k < args.keyword.size(); ++k) {
      if (!used_kw[k] && args.keyword[k].first == s.params[i].name) {
        bound[i] = args.keyword[k].second;
        used_kw[k] = true;
        break;
      }
    }
  }
  Value caller;
  bool has_caller = false;
  if (s.uses_caller) {
    for (size_t k = 0; k < args.keyword.size(); ++k) {
      if (!used_kw[k] && args.keyword[k].first == "caller") {
        caller = args.keyword[k].second;
        used_kw[k] = true;
        has_caller = true;
      }
    }
    if (!has_caller) caller = Value::UndefinedWithMessage("No caller defined");
  }
  DictData kwargs;
  for (size_t k = 0; k < args.keyword.size(); ++k) {
    if (used_kw[k]) continue;
    if (!s.uses_kwargs) {
      if (args.keyword[k].first == "caller") {
        return Unexpected(TypeErr("macro '" + std::string(name) +
                                  "' was invoked with two values for the special caller "
                                  "argument. This is most likely a bug."));
      }
      return Unexpected(TypeErr("macro '" + std::string(name) + "' takes no keyword argument '" +
                                std::string(args.keyword[k].first) + "'"));
    }
    kwargs.Set(Value::Str(std::string(args.keyword[k].first)), args.keyword[k].second);
  }
  if (args.positional.size() > nparams && !s.uses_varargs) {
    return Unexpected(TypeErr("macro '" + std::string(name) + "' takes not more than " +
                              std::to_string(nparams) + " argument(s)"));
  }
  EV_RETURN_IF_ERROR(EnterRecursion());
  Saved saved = Save();
  std::string buf;
  std::string* saved_out = out_;
  out_ = &buf;
  mod_ = m.module;
  cur_name_ = m.template_name;
  frame_base_ = scope_start_ = locals_.size();
  scope_depth_ = 1;
  for (const Binding& b : m.closure) locals_.push_back(b);
  scope_start_ = locals_.size();
  Status st = OkStatus();
  for (size_t i = 0; i < nparams && st.ok(); ++i) {
    if (bound[i]) {
      SetLocal(s.params[i].name, *bound[i]);
    } else if (s.params[i].default_value) {
      auto v = Eval(*s.params[i].default_value);
      if (!v.ok()) {
        st = Unexpected(std::move(v).error());
        break;
      }
      SetLocal(s.params[i].name, std::move(v).value());
    } else {
      SetLocal(s.params[i].name,
               Value::UndefinedWithMessage("parameter '" + s.params[i].name + "' was not provided"));
    }
  }
  if (st.ok()) {
    if (s.uses_caller) SetLocal("caller", caller);
    if (s.uses_kwargs) SetLocal("kwargs", Value::Dict(std::move(kwargs)));
    if (s.uses_varargs) {
      ValueList rest;
      for (size_t i = nparams; i < args.positional.size(); ++i) rest.push_back(args.positional[i]);
      SetLocal("varargs", Value::Tuple(std::move(rest)));
    }
    st = ExecBody(s.body);
  }
  out_ = saved_out;
  Restore(saved);
  --depth_;
  if (!st.ok()) return Unexpected(std::move(st).error());
  return Value::Str(std::move(buf));
}

Result<TemplatePtr> Renderer::LoadTemplate(const Value& name_value, bool ignore_missing) {
  if (name_value.IsUndefined()) return Unexpected(UndefinedError(name_value));
  std::vector<Value> names;
  if (name_value.IsList()) {
    names = name_value.ToList();
  } else {
    names.push_back(name_value);
  }
  std::string tried;
  for (const Value& n : names) {
    if (n.IsUndefined()) return Unexpected(UndefinedError(n));
    if (!n.IsString()) {
      return Unexpected(TypeErr("template name must be a string, not " +
                                std::string(n.TypeName())));
    }
    auto t = env_.GetTemplate(n.AsString());
    if (t.ok()) return t;
    if (t.error().code != ErrorCode::kNotFound) return t;
    if (!tried.empty()) tried += ", ";
    tried += "'" + std::string(n.AsString()) + "'";
  }
  if (ignore_missing) return TemplatePtr();
  if (names.size() == 1) {
    return Unexpected(ErrorCode::kNotFound, "template " + tried + " not found");
  }
  return Unexpected(ErrorCode::kNotFound, "none of the templates given were found: " + tried);
}

Status Renderer::ExecInclude(const Stmt& s) {
  EV_ASSIGN(Value name, Eval(*s.expr));
  EV_ASSIGN(TemplatePtr t, LoadTemplate(name, s.ignore_missing));
  if (!t) return OkStatus();
  EV_RETURN_IF_ERROR(EnterRecursion());
  Module* m = NewModule();
  if (s.with_context) {
    m->context = mod_->context;
    auto vars = std::make_shared<DictData>();
    if (mod_->parent_vars) *vars = *mod_->parent_vars;
    for (const auto& [k, v] : mod_->vars.items) vars->Set(k, v);
    for (size_t i = frame_base_; i < locals_.size(); ++i) {
      if (locals_[i].name == "loop") continue;
      vars->Set(Value::StrView(locals_[i].name), locals_[i].value);
    }
    m->parent_vars = std::move(vars);
  }
  const CompiledTemplate* ct = &t->compiled();
  loaded_.push_back(std::move(t));
  Status st = RenderRoot(m, ct);
  --depth_;
  return st;
}

Result<Module*> Renderer::ImportModule(const Value& name_value, bool with_context,
                                       std::string* body) {
  EV_ASSIGN(TemplatePtr t, LoadTemplate(name_value, false));
  EV_RETURN_IF_ERROR(EnterRecursion());
  Module* m = NewModule();
  if (with_context) {
    m->context = mod_->context;
    auto vars = std::make_shared<DictData>();
    if (mod_->parent_vars) *vars = *mod_->parent_vars;
    for (const auto& [k, v] : mod_->vars.items) vars->Set(k, v);
    for (size_t i = frame_base_; i < locals_.size(); ++i) {
      vars->Set(Value::StrView(locals_[i].name), locals_[i].value);
    }
    m->parent_vars = std::move(vars);
  }
  const CompiledTemplate* ct = &t->compiled();
  loaded_.push_back(std::move(t));
  std::string* saved_out = out_;
  std::string scratch;
  out_ = &scratch;
  Status st = RenderRoot(m, ct);
  out_ = saved_out;
  --depth_;
  if (!st.ok()) return Unexpected(std::move(st).error());
  *body = std::move(scratch);
  return m;
}

Status Renderer::ExecImport(const Stmt& s) {
  EV_ASSIGN(Value name, Eval(*s.expr));
  std::string body;
  EV_ASSIGN(Module* m, ImportModule(name, s.with_context, &body));
  auto assign = [&](std::string_view target, Value v) {
    if (scope_depth_ == 0) {
      mod_->vars.Set(Value::StrView(target), std::move(v));
    } else {
      SetLocal(target, std::move(v));
    }
  };
  if (s.kind == StmtKind::kImport) {
    assign(s.text, Value::FromObject(std::make_shared<ModuleObject>(m, m->tmpl->name, std::move(body))));
    return OkStatus();
  }
  for (const auto& [n, alias] : s.names) {
    if (const Value* v = m->vars.Find(n)) {
      assign(alias, *v);
    } else {
      assign(alias, Value::UndefinedWithMessage("the template '" + m->tmpl->name +
                                                "' (imported on line " + std::to_string(s.line) +
                                                ") does not export the requested name '" + n +
                                                "'"));
    }
  }
  return OkStatus();
}

Status Renderer::ExecBlock(const Stmt& s) {
  if (mod_->parent) return OkStatus();  // a child template after {% extends %}
  if (s.scoped) {
    // Scoped blocks see the enclosing locals: render in place.
    for (size_t i = 0; i < mod_->blocks.size(); ++i) {
      if (mod_->blocks[i].first == s.text) {
        const Stmt* b = mod_->blocks[i].second[0];
        if (b->required) {
          return Unexpected(TypeErr("Required block '" + b->text + "' not found."));
        }
        Saved saved = Save();
        ++scope_depth_;
        scope_start_ = locals_.size();
        cur_name_ = b->template_name;
        block_stack_.push_back({mod_, mod_->blocks[i].first, 0});
        Status st = ExecBody(b->body);
        block_stack_.pop_back();
        Restore(saved);
        return st;
      }
    }
  }
  return RenderBlock(mod_, s.text, 0);
}

Status Renderer::RenderBlock(Module* m, std::string_view name, size_t index) {
  const std::vector<const Stmt*>* chain = nullptr;
  std::string_view stable_name;
  for (const auto& [n, c] : m->blocks) {
    if (n == name) {
      chain = &c;
      stable_name = n;
    }
  }
  if (!chain || index >= chain->size()) {
    return Unexpected(TypeErr("there is no parent block called '" + std::string(name) + "'."));
  }
  const Stmt* b = (*chain)[index];
  if (b->required) return Unexpected(TypeErr("Required block '" + b->text + "' not found."));
  EV_RETURN_IF_ERROR(EnterRecursion());
  Saved saved = Save();
  mod_ = m;
  frame_base_ = scope_start_ = locals_.size();
  scope_depth_ = 1;
  cur_name_ = b->template_name;
  block_stack_.push_back({m, stable_name, index});
  Status st = ExecBody(b->body);
  block_stack_.pop_back();
  Restore(saved);
  --depth_;
  return st;
}

Result<Value> Renderer::RenderBlockToValue(Module* m, std::string_view name, size_t index) {
  std::string buf;
  std::string* saved_out = out_;
  out_ = &buf;
  Status st = RenderBlock(m, name, index);
  out_ = saved_out;
  if (!st.ok()) return Unexpected(std::move(st).error());
  return Value::Str(std::move(buf));
}

// ---- Renderer: expressions ---------------------------------------------------------------

Status Renderer::BuildArgs(const CallExprArgs& a, CallArgs& out, std::vector<Value>& keep) {
  out.positional.reserve(a.positional.size());
  for (const auto& p : a.positional) {
    EV_ASSIGN(Value v, Eval(*p));
    out.positional.push_back(std::move(v));
  }
  for (const auto& [k, e] : a.keyword) {
    EV_ASSIGN(Value v, Eval(*e));
    out.keyword.emplace_back(k, std::move(v));
  }
  if (a.star) {
    EV_ASSIGN(Value v, Eval(*a.star));
    EV_ASSIGN(Seq seq, MakeSeq(v));
    for (size_t i = 0; i < seq.size; ++i) out.positional.push_back(seq.Get(i));
  }
  if (a.star_star) {
    EV_ASSIGN(Value v, Eval(*a.star_star));
    if (!v.IsDict()) {
      return Unexpected(TypeErr("argument after ** must be a mapping, not " +
                                std::string(v.TypeName())));
    }
    keep.push_back(v);
    for (size_t i = 0; i < v.Size(); ++i) {
      Value k = v.KeyAt(i);
      if (!k.IsString()) return Unexpected(TypeErr("keywords must be strings"));
      keep.push_back(k);
      out.keyword.emplace_back(k.AsString(), v.ValueAt(i));
    }
  }
  return OkStatus();
}

Result<Value> Renderer::CallValue(const Value& fn, CallArgs& args) {
  if (fn.IsUndefined()) return Unexpected(UndefinedError(fn));
  if (fn.IsObject() && fn.AsObject()->IsCallable()) return fn.AsObject()->Call(*this, args);
  return Unexpected(TypeErr("'" + std::string(fn.TypeName()) + "' object is not callable"));
}

Result<Value> Renderer::CallAttr(const Expr& e, const Expr& callee, const Value& obj) {
  if (obj.IsUndefined()) return Unexpected(UndefinedError(obj));
  CallArgs args;
  std::vector<Value> keep;
  EV_RETURN_IF_ERROR(BuildArgs(e.args, args, keep));
  if (HasMethodBits(obj, callee.method_kinds)) {
    return CallMethod(*this, obj, callee.name, args);
  }
  EV_ASSIGN(Value fn, GetAttrValue(obj, callee.name, callee.method_kinds));
  return CallValue(fn, args);
}

Result<Seq> Renderer::LoopSeq(const Expr& e) {
  if (!IsItemsCall(e)) {
    EV_ASSIGN(Value iterable, Eval(e));
    return MakeSeq(iterable);
  }
  EV_ASSIGN(Value obj, Eval(*e.items[0]->items[0]));
  if (!obj.IsDict()) {
    Result<Value> iterable = CallAttr(e, *e.items[0], obj);
    if (!iterable.ok()) return Unexpected(Locate(std::move(iterable).error(), e.line));
    return MakeSeq(*iterable);
  }
  // As dict.items() does, count the items against the iteration limit up front.
  Status st = Tick(obj.Size());
  if (!st.ok()) return Unexpected(Locate(std::move(st).error(), e.line));
  Seq seq;
  seq.size = obj.Size();
  seq.src = std::move(obj);
  seq.mode = Seq::kItems;
  return seq;
}

Result<Value> Renderer::EvalCall(const Expr& e) {
  const Expr& callee = *e.items[0];
  if (callee.kind == ExprKind::kGetattr) {
    EV_ASSIGN(Value obj, Eval(*callee.items[0]));
    return CallAttr(e, callee, obj);
  }
  CallArgs args;
  std::vector<Value> keep;
  EV_ASSIGN(Value fn, Eval(callee));
  EV_RETURN_IF_ERROR(BuildArgs(e.args, args, keep));
  return CallValue(fn, args);
}

Result<Value> Renderer::GetAttrValue(const Value& obj, std::string_view name, int method_bits) {
  auto has_method = [&] {
    return method_bits < 0 ? HasMethod(obj, name)
                           : HasMethodBits(obj, static_cast<uint8_t>(method_bits));
  };
  switch (obj.kind()) {
    case Value::Kind::kUndefined: return Unexpected(UndefinedError(obj));
    case Value::Kind::kObject: {
      EV_ASSIGN(Value v, obj.AsObject()->GetAttr(*this, name));
      return v;
    }
    case Value::Kind::kDict:
      if (has_method()) {
        return Value::FromObject(std::make_shared<BoundMethod>(obj, std::string(name)));
      }
      if (auto v = obj.Find(name)) return *v;
      return Value::UndefinedOwned(std::string(name), "dict object");
    default:
      if (auto field = obj.Field(name)) return *std::move(field);
      if ((obj.IsString() || obj.IsList()) && has_method()) {
        return Value::FromObject(std::make_shared<BoundMethod>(obj, std::string(name)));
      }
      return Value::UndefinedOwned(std::string(name), OwnerType(obj));
  }
}

Result<Value> Renderer::GetItemValue(const Value& obj, const Value& key) {
  switch (obj.kind()) {
    case Value::Kind::kUndefined: return Unexpected(UndefinedError(obj));
    case Value::Kind::kDict:
      if (key.IsList() && !key.IsTuple()) return Unexpected(TypeErr("unhashable type: 'list'"));
      if (key.IsDict()) return Unexpected(TypeErr("unhashable type: 'dict'"));
      if (auto v = obj.Find(key)) return *v;
      break;
    case Value::Kind::kList:
      // Jinja's getitem falls back to getattr: g['grouper'] reads a named tuple's field.
      if (key.IsString()) {
        if (auto field = obj.Field(key.AsString())) return *std::move(field);
      }
      if (key.IsInt() || key.IsBool()) {
        int64_t i = key.AsInt();
        int64_t n = static_cast<int64_t>(obj.Size());
        if (i < 0) i += n;
        if (i >= 0 && i < n) return obj.At(static_cast<size_t>(i));
      }
      break;
    case Value::Kind::kString:
      if (key.IsInt() || key.IsBool()) {
        std::string_view s = obj.AsString();
        int64_t i = key.AsInt();
        int64_t n = static_cast<int64_t>(pystr::Length(s));
        if (i < 0) i += n;
        if (i >= 0 && i < n) {
          size_t b = pystr::ByteOffset(s, static_cast<size_t>(i));
          size_t e = pystr::ByteOffset(s, static_cast<size_t>(i) + 1);
          return Value::Str(std::string(s.substr(b, e - b)));
        }
      }
      break;
    case Value::Kind::kObject:
      if (key.IsString()) return obj.AsObject()->GetAttr(*this, key.AsString());
      break;
    default: break;
  }
  if (key.IsString()) {
    if ((obj.IsString() || obj.IsList() || obj.IsDict()) && HasMethod(obj, key.AsString())) {
      return Value::FromObject(
          std::make_shared<BoundMethod>(obj, std::string(key.AsString())));
    }
    return Value::UndefinedOwned(std::string(key.AsString()), OwnerType(obj));
  }
  return Value::UndefinedElement(ToRepr(key), OwnerType(obj));
}

Result<Value> Renderer::EvalSlice(const Expr& e) {
  if (e.items.size() == 3) {
    // A slice inside a subscript tuple (`s[1, :]`): Python builds a slice object, the lookup
    // with that tuple key fails, and Jinja2's getitem answers undefined. Its bounds are still
    // evaluated for their errors; the element itself is undefined, and so is the lookup.
    for (const ExprPtr& p : e.items) {
      if (!p) continue;
      EV_ASSIGN([[maybe_unused]] Value bound, Eval(*p));
    }
    return Value::UndefinedWithMessage("a slice is not a valid key");
  }
  EV_ASSIGN(Value obj, Eval(*e.items[0]));
  if (obj.IsUndefined()) return Unexpected(UndefinedError(obj));
  std::optional<int64_t> parts[3];
  for (int i = 0; i < 3; ++i) {
    const ExprPtr& p = e.items[static_cast<size_t>(i) + 1];
    if (!p) continue;
    EV_ASSIGN(Value v, Eval(*p));
    if (v.IsNone()) continue;
    if (v.IsBigInt()) {
      // Python clamps huge slice indices; +-2**62 is past any length and cannot overflow.
      parts[i] = v.AsBigInt().IsNegative() ? -(int64_t{1} << 62) : (int64_t{1} << 62);
      continue;
    }
    if (!v.IsInt() && !v.IsBool()) {
      return Unexpected(TypeErr("slice indices must be integers or None or have an __index__ "
                                "method"));
    }
    parts[i] = v.AsInt();
  }
  int64_t step = parts[2].value_or(1);
  if (step == 0) return Unexpected(TypeErr("slice step cannot be zero"));
  bool is_str = obj.IsString();
  if (!is_str && !obj.IsList()) {
    return Value::UndefinedOwned("slice", OwnerType(obj));
  }
  std::u32string chars;
  if (is_str) chars = pystr::Decode(obj.AsString());
  int64_t n = is_str ? static_cast<int64_t>(chars.size()) : static_cast<int64_t>(obj.Size());
  auto adjust = [&](std::optional<int64_t> v, int64_t dflt_pos, int64_t dflt_neg) {
    if (!v) return step > 0 ? dflt_pos : dflt_neg;
    int64_t x = *v;
    if (x < 0) {
      x += n;
      if (x < 0) x = step > 0 ? 0 : -1;
    } else if (x >= n) {
      x = step > 0 ? n : n - 1;
    }
    return x;
  };
  int64_t start = adjust(parts[0], 0, n - 1);
  int64_t stop = adjust(parts[1], n, -1);
  if (obj.IsRange()) {
    // Python slices a range into a range: range(10)[2:5] is range(2, 5).
    auto at = [&](int64_t i) {
      return static_cast<int64_t>(static_cast<uint64_t>(obj.RangeStart()) +
                                  static_cast<uint64_t>(i) * static_cast<uint64_t>(obj.RangeStep()));
    };
    int64_t new_step;
    if (__builtin_mul_overflow(obj.RangeStep(), step, &new_step)) return Unexpected(Overflow());
    return Value::Range(at(start), at(stop), new_step);
  }
  std::vector<size_t> idx;
  if (step > 0) {
    for (int64_t i = start; i < stop; i += step) idx.push_back(static_cast<size_t>(i));
  } else {
    for (int64_t i = start; i > stop; i += step) idx.push_back(static_cast<size_t>(i));
  }
  if (is_str) {
    std::u32string out;
    for (size_t i : idx) out.push_back(chars[i]);
    return Value::Str(pystr::Encode(out));
  }
  ValueList items;
  items.reserve(idx.size());
  for (size_t i : idx) items.push_back(obj.At(i));
  return obj.IsTuple() ? Value::Tuple(std::move(items)) : Value::List(std::move(items));
}

Result<bool> Renderer::Contains(const Value& container, const Value& item) {
  if (item.IsUndefined() && opt_.strict_undefined) return Unexpected(UndefinedError(item));
  switch (container.kind()) {
    case Value::Kind::kString:
      if (!item.IsString()) {
        return Unexpected(TypeErr("'in <string>' requires string as left operand, not " +
                                  std::string(item.TypeName())));
      }
      return container.AsString().find(item.AsString()) != std::string_view::npos;
    case Value::Kind::kList: {
      size_t n = container.Size();
      for (size_t i = 0; i < n; ++i) {
        if (Equals(container.At(i), item)) return true;
      }
      return false;
    }
    case Value::Kind::kDict:
      if (item.IsList() && !item.IsTuple()) return Unexpected(TypeErr("unhashable type: 'list'"));
      return container.Find(item).has_value();
    case Value::Kind::kUndefined:
      if (opt_.strict_undefined) return Unexpected(UndefinedError(container));
      return false;
    default:
      return Unexpected(TypeErr("argument of type '" + std::string(container.TypeName()) +
                                "' is not iterable"));
  }
}

Result<bool> Renderer::Compare(CmpOp op, const Value& a, const Value& b) {
  switch (op) {
    case CmpOp::kEq:
    case CmpOp::kNe: {
      if (opt_.strict_undefined) {
        if (a.IsUndefined()) return Unexpected(UndefinedError(a));
        if (b.IsUndefined()) return Unexpected(UndefinedError(b));
      }
      bool eq = Equals(a, b);
      return op == CmpOp::kEq ? eq : !eq;
    }
    case CmpOp::kIn: return Contains(b, a);
    case CmpOp::kNotIn: {
      EV_ASSIGN(bool in, Contains(b, a));
      return !in;
    }
    default: break;
  }
  if (a.IsUndefined()) return Unexpected(UndefinedError(a));
  if (b.IsUndefined()) return Unexpected(UndefinedError(b));
  std::string_view sym = op == CmpOp::kLt ? "<" : op == CmpOp::kLe ? "<=" : op == CmpOp::kGt ? ">" : ">=";
  auto fix = [&](Error e) {
    // Less() words its error with '<'; use the operator actually written.
    if (e.message.rfind("'<' not supported", 0) == 0) {
      e.message = "'" + std::string(sym) + "' not supported between instances of '" +
                  std::string(a.TypeName()) + "' and '" + std::string(b.TypeName()) + "'";
    }
    return e;
  };
  Result<bool> r = (op == CmpOp::kLt || op == CmpOp::kGe) ? Less(a, b) : Less(b, a);
  if (!r.ok()) return Unexpected(fix(std::move(r).error()));
  bool less = *r;
  switch (op) {
    case CmpOp::kLt: return less;
    case CmpOp::kGt: return less;
    case CmpOp::kLe: {
      // a <= b  ==  not (b < a), except for NaN.
      if (a.IsFloat() || b.IsFloat()) {
        if (std::isnan(a.AsFloat()) || std::isnan(b.AsFloat())) return false;
      }
      return !less;
    }
    case CmpOp::kGe:
      if (a.IsFloat() || b.IsFloat()) {
        if (std::isnan(a.AsFloat()) || std::isnan(b.AsFloat())) return false;
      }
      return !less;
    default: return false;
  }
}

Result<Value> Renderer::Binary(BinOp op, const Value& a, const Value& b) {
  if (op == BinOp::kConcat) {
    if (opt_.strict_undefined) {
      if (a.IsUndefined()) return Unexpected(UndefinedError(a));
      if (b.IsUndefined()) return Unexpected(UndefinedError(b));
    }
    std::string s;
    AppendStr(s, a);
    AppendStr(s, b);
    EV_RETURN_IF_ERROR(CheckSize(s.size()));
    return Value::Str(std::move(s));
  }
  if (a.IsUndefined()) return Unexpected(UndefinedError(a));
  if (b.IsUndefined()) return Unexpected(UndefinedError(b));
  bool ints = (a.IsInt() || a.IsBool()) && (b.IsInt() || b.IsBool());
  bool nums = a.IsNumber() && b.IsNumber();
  if ((a.IsBigInt() || b.IsBigInt()) && !(op == BinOp::kMod && a.IsString())) [[unlikely]] {
    bool a_num = a.IsNumber() || a.IsBigInt(), b_num = b.IsNumber() || b.IsBigInt();
    if (a_num && b_num) {
      bool negative_power = op == BinOp::kPow && (b.IsBigInt() ? b.AsBigInt().IsNegative()
                                                               : b.AsFloat() < 0);
      if (a.IsFloat() || b.IsFloat() || negative_power) {
        // Python converts the int to a float (an error past the float range).
        EV_ASSIGN(double x, ToFloat(a));
        EV_ASSIGN(double y, ToFloat(b));
        return Binary(op, Value::Float(x), Value::Float(y));
      }
      return IntArith(ToIntOp(op), a, b);
    }
  }
  switch (op) {
    case BinOp::kAdd:
      if (ints) {
        int64_t r;
        if (__builtin_add_overflow(a.AsInt(), b.AsInt(), &r)) return IntArith(IntOp::kAdd, a, b);
        return Value::Int(r);
      }
      if (nums) return Value::Float(a.AsFloat() + b.AsFloat());
      if (a.IsString() && b.IsString()) {
        EV_RETURN_IF_ERROR(CheckSize(a.AsString().size() + b.AsString().size()));
        if (a.IsMarkup() || b.IsMarkup()) {
          std::string s = a.IsMarkup() ? std::string(a.AsString()) : pystr::Escape(a.AsString());
          s += b.IsMarkup() ? std::string(b.AsString()) : pystr::Escape(b.AsString());
          return Value::Markup(std::move(s));
        }
        std::string s;
        s.reserve(a.AsString().size() + b.AsString().size());
        s += a.AsString();
        s += b.AsString();
        return Value::Str(std::move(s));
      }
      if (a.IsList() && b.IsList() && a.IsTuple() == b.IsTuple() && !a.IsRange() &&
          !b.IsRange()) {
        EV_RETURN_IF_ERROR(CheckSize(a.Size() + b.Size()));
        ValueList items = a.ToList();
        for (size_t i = 0; i < b.Size(); ++i) items.push_back(b.At(i));
        return a.IsTuple() ? Value::Tuple(std::move(items)) : Value::List(std::move(items));
      }
      if (a.IsString() || (a.IsList() && !a.IsRange())) {
        std::string_view t = a.TypeName();
        return Unexpected(TypeErr("can only concatenate " + std::string(t) + " (not \"" +
                                  std::string(b.TypeName()) + "\") to " + std::string(t)));
      }
      return Unexpected(Unsupported("+", a, b));
    case BinOp::kSub:
      if (ints) {
        int64_t r;
        if (__builtin_sub_overflow(a.AsInt(), b.AsInt(), &r)) return IntArith(IntOp::kSub, a, b);
        return Value::Int(r);
      }
      if (nums) return Value::Float(a.AsFloat() - b.AsFloat());
      return Unexpected(Unsupported("-", a, b));
    case BinOp::kMul: {
      if (ints) {
        int64_t r;
        if (__builtin_mul_overflow(a.AsInt(), b.AsInt(), &r)) return IntArith(IntOp::kMul, a, b);
        return Value::Int(r);
      }
      if (nums) return Value::Float(a.AsFloat() * b.AsFloat());
      const Value* seq = IsSeq(a) ? &a : IsSeq(b) ? &b : nullptr;
      const Value* count = seq == &a ? &b : &a;
      if (seq && !IsSeq(*count)) {
        if (count->IsBigInt()) {
          return Unexpected(TypeErr("cannot fit 'int' into an index-sized integer"));
        }
        if (!count->IsInt() && !count->IsBool()) {
          return Unexpected(TypeErr("can't multiply sequence by non-int of type '" +
                                    std::string(count->TypeName()) + "'"));
        }
        int64_t times = std::max<int64_t>(0, count->AsInt());
        size_t unit = seq->IsString() ? seq->AsString().size() : seq->Size();
        if (unit != 0 && static_cast<uint64_t>(times) > opt_.max_output_bytes / unit) {
          EV_RETURN_IF_ERROR(CheckSize(opt_.max_output_bytes + 1));
        }
        if (seq->IsString()) {
          std::string s;
          s.reserve(unit * static_cast<size_t>(times));
          for (int64_t i = 0; i < times; ++i) s += seq->AsString();
          return seq->IsMarkup() ? Value::Markup(std::move(s)) : Value::Str(std::move(s));
        }
        ValueList items;
        for (int64_t i = 0; i < times; ++i) {
          for (size_t k = 0; k < unit; ++k) items.push_back(seq->At(k));
        }
        return seq->IsTuple() ? Value::Tuple(std::move(items)) : Value::List(std::move(items));
      }
      return Unexpected(Unsupported("*", a, b));
    }
    case BinOp::kDiv:
      if (ints && (!ExactDouble(a.AsInt()) || !ExactDouble(b.AsInt()))) {
        return IntArith(IntOp::kTrueDiv, a, b);  // correctly rounded, as Python's int / int
      }
      if (nums) {
        if (b.AsFloat() == 0.0) return Unexpected(TypeErr("division by zero"));
        return Value::Float(a.AsFloat() / b.AsFloat());
      }
      return Unexpected(Unsupported("/", a, b));
    case BinOp::kFloorDiv:
      if (ints) {
        if (b.AsInt() == 0) return Unexpected(TypeErr("integer division or modulo by zero"));
        if (a.AsInt() == INT64_MIN && b.AsInt() == -1) return IntArith(IntOp::kFloorDiv, a, b);
        return Value::Int(FloorDivInt(a.AsInt(), b.AsInt()));
      }
      if (nums) {
        if (b.AsFloat() == 0.0) return Unexpected(TypeErr("float floor division by zero"));
        double x = a.AsFloat(), y = b.AsFloat();
        return Value::Float(std::floor((x - FloorModFloat(x, y)) / y + 0.5));
      }
      return Unexpected(Unsupported("//", a, b));
    case BinOp::kMod:
      if (a.IsString()) {
        ValueList args;
        const Value* mapping = nullptr;
        if (b.IsTuple()) {
          args = b.ToList();
        } else if (b.IsDict()) {
          mapping = &b;
          args.push_back(b);
        } else {
          args.push_back(b);
        }
        EV_ASSIGN(std::string s, pystr::PercentFormat(a.AsString(), args, mapping));
        return Value::Str(std::move(s));
      }
      if (ints) {
        if (b.AsInt() == 0) return Unexpected(TypeErr("integer modulo by zero"));
        if (b.AsInt() == -1) return Value::Int(0);
        return Value::Int(FloorModInt(a.AsInt(), b.AsInt()));
      }
      if (nums) {
        if (b.AsFloat() == 0.0) return Unexpected(TypeErr("float modulo"));
        return Value::Float(FloorModFloat(a.AsFloat(), b.AsFloat()));
      }
      return Unexpected(Unsupported("%", a, b));
    case BinOp::kPow:
      if (ints && b.AsInt() >= 0) {
        int64_t base = a.AsInt(), exp = b.AsInt(), r = 1;
        while (exp > 0) {
          if (exp & 1) {
            if (__builtin_mul_overflow(r, base, &r)) return IntArith(IntOp::kPow, a, b);
          }
          exp >>= 1;
          if (exp > 0 && __builtin_mul_overflow(base, base, &base)) {
            return IntArith(IntOp::kPow, a, b);
          }
        }
        return Value::Int(r);
      }
      if (nums) {
        double x = a.AsFloat(), y = b.AsFloat();
        if (x == 0.0 && y < 0) {
          return Unexpected(TypeErr("0.0 cannot be raised to a negative power"));
        }
        if (x < 0 && std::floor(y) != y) {
          // Python returns a complex number here; we cannot.
          return Unexpected(TypeErr("negative number cannot be raised to a fractional power"));
        }
        double r = std::pow(x, y);
        if (std::isinf(r) && !std::isinf(x)) {
          return Unexpected(TypeErr("(34, 'Numerical result out of range')"));
        }
        return Value::Float(r);
      }
      return Unexpected(Unsupported("** or pow()", a, b));
    case BinOp::kConcat: break;
  }
  return Unexpected(Unsupported(OpName(op), a, b));
}

Result<Value> Renderer::EvalOther(const Expr& e) {
  switch (e.kind) {
    case ExprKind::kLiteral: return e.value;
    case ExprKind::kName: return Lookup(e.name);
    case ExprKind::kList:
    case ExprKind::kTuple: {
      ValueList items;
      items.reserve(e.items.size());
      for (const auto& it : e.items) {
        EV_ASSIGN(Value v, Eval(*it));
        items.push_back(std::move(v));
      }
      return e.kind == ExprKind::kList ? Value::List(std::move(items))
                                       : Value::Tuple(std::move(items));
    }
    case ExprKind::kDict: {
      DictData d;
      for (size_t i = 0; i + 1 < e.items.size(); i += 2) {
        EV_ASSIGN(Value k, Eval(*e.items[i]));
        EV_ASSIGN(Value v, Eval(*e.items[i + 1]));
        if ((k.IsList() && !k.IsTuple()) || k.IsDict() || k.IsUndefined()) {
          if (k.IsUndefined()) return Unexpected(UndefinedError(k));
          return Unexpected(TypeErr("unhashable type: '" + std::string(k.TypeName()) + "'"));
        }
        d.Set(std::move(k), std::move(v));
      }
      return Value::Dict(std::move(d));
    }
    case ExprKind::kConstDict: {
      DictData d;
      size_t n = e.value.Size();
      d.items.reserve(n);
      for (size_t i = 0; i < n; ++i) d.items.emplace_back(e.value.KeyAt(i), e.value.ValueAt(i));
      return Value::Dict(std::move(d));
    }
    case ExprKind::kGetattr: {
      EV_ASSIGN(Value obj, Eval(*e.items[0]));
      return GetAttrValue(obj, e.name, e.method_kinds);
    }
    case ExprKind::kGetitem: {
      EV_ASSIGN(Value obj, Eval(*e.items[0]));
      if (obj.IsUndefined()) return Unexpected(UndefinedError(obj));
      EV_ASSIGN(Value key, Eval(*e.items[1]));
      return GetItemValue(obj, key);
    }
    case ExprKind::kSlice: return EvalSlice(e);
    case ExprKind::kCall: return EvalCall(e);
    case ExprKind::kFilter: return EvalFilter(e);
    case ExprKind::kTest: {
      EV_ASSIGN(Value input, Eval(*e.items[0]));
      CallArgs args;
      std::vector<Value> keep;
      EV_RETURN_IF_ERROR(BuildArgs(e.args, args, keep));
      if (!e.test) return Unexpected(TypeErr("No test named '" + e.name + "' found."));
      EV_ASSIGN(bool r, e.test(*this, input, args));
      return Value::Bool(r != e.negated);
    }
    case ExprKind::kNeg:
    case ExprKind::kPos: {
      EV_ASSIGN(Value v, Eval(*e.items[0]));
      if (v.IsUndefined()) return Unexpected(UndefinedError(v));
      bool neg = e.kind == ExprKind::kNeg;
      if (v.IsInt() || v.IsBool()) {
        if (!neg) return Value::Int(v.AsInt());
        if (v.AsInt() == INT64_MIN) return Value::Integer(BigInt(INT64_MIN).Negated());
        return Value::Int(-v.AsInt());
      }
      if (v.IsBigInt()) return neg ? Value::Integer(v.AsBigInt().Negated()) : v;
      if (v.IsFloat()) return Value::Float(neg ? -v.AsFloat() : v.AsFloat());
      return Unexpected(TypeErr(std::string("bad operand type for unary ") + (neg ? "-" : "+") +
                                ": '" + std::string(v.TypeName()) + "'"));
    }
    case ExprKind::kNot: {
      EV_ASSIGN(Value v, Eval(*e.items[0]));
      EV_ASSIGN(bool t, Truthy(v));
      return Value::Bool(!t);
    }
    case ExprKind::kBinary: {
      EV_ASSIGN(Value a, Eval(*e.items[0]));
      EV_ASSIGN(Value b, Eval(*e.items[1]));
      return Binary(e.bin_op, a, b);
    }
    case ExprKind::kAnd:
    case ExprKind::kOr: {
      EV_ASSIGN(Value a, Eval(*e.items[0]));
      EV_ASSIGN(bool t, Truthy(a));
      if (t == (e.kind == ExprKind::kOr)) return a;
      return Eval(*e.items[1]);
    }
    case ExprKind::kCompare: {
      EV_ASSIGN(Value left, Eval(*e.items[0]));
      for (size_t i = 0; i < e.ops.size(); ++i) {
        EV_ASSIGN(Value right, Eval(*e.items[i + 1]));
        EV_ASSIGN(bool ok, Compare(e.ops[i], left, right));
        if (!ok) return Value::Bool(false);
        left = std::move(right);
      }
      return Value::Bool(true);
    }
    case ExprKind::kCond: {
      EV_ASSIGN(Value c, Eval(*e.items[0]));
      EV_ASSIGN(bool t, Truthy(c));
      if (t) return Eval(*e.items[1]);
      if (e.items[2]) return Eval(*e.items[2]);
      return Value::Undefined();
    }
  }
  return Value::Undefined();
}

}  // namespace

Status RenderTemplate(const Environment& env, const CompiledTemplate& tmpl, const Json& context,
                      std::string& out) {
  if (!context.is_object() && !context.is_null()) {
    return Unexpected(ErrorCode::kInvalidArgument,
                      tmpl.name + ": the context must be a JSON object");
  }
  Renderer r(env, context, out);
  return r.Run(tmpl);
}

}  // namespace gitops::jinja
