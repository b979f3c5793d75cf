// A small Runtime for testing filters, tests and methods without the evaluator: attribute and
// item lookup on dicts and lists, builtin tests and filters through the registries.
#pragma once

#include <string>

#include "jinja/runtime.h"
#include "jinja/value.h"

namespace gitops::jinja::testing {

class FakeRuntime : public Runtime {
 public:
  explicit FakeRuntime(bool strict = false, size_t tick_limit = 1000000)
      : strict_(strict), tick_limit_(tick_limit) {}

  Result<Value> GetAttr(const Value& obj, std::string_view name) override {
    if (obj.IsDict()) {
      if (auto v = obj.Find(name)) return *v;
    }
    if (obj.IsObject()) return obj.AsObject()->GetAttr(*this, name);
    if (obj.IsList() && !name.empty() && name.find_first_not_of("0123456789") == std::string_view::npos) {
      return GetItem(obj, Value::Int(std::stoll(std::string(name))));
    }
    return Value::UndefinedOwned(std::string(name), std::string(obj.TypeName()) + " object");
  }
  Result<Value> GetItem(const Value& obj, const Value& key) override {
    if (obj.IsDict()) {
      if (auto v = obj.Find(key)) return *v;
    }
    if (obj.IsList() && key.IsInt()) {
      int64_t i = key.AsInt();
      if (i < 0) i += static_cast<int64_t>(obj.Size());
      if (i >= 0 && i < static_cast<int64_t>(obj.Size())) return obj.At(static_cast<size_t>(i));
    }
    return Value::UndefinedOwned(ToStr(key), std::string(obj.TypeName()) + " object");
  }
  Result<bool> CallTest(std::string_view name, const Value& v, CallArgs& args) override {
    TestFn fn = FindTest(name);
    if (!fn) return Unexpected(ErrorCode::kInvalidArgument, "No test named '" + std::string(name) + "'.");
    return fn(*this, v, args);
  }
  Result<Value> CallFilter(std::string_view name, const Value& v, CallArgs& args) override {
    FilterFn fn = FindFilter(name);
    if (!fn) return Unexpected(ErrorCode::kInvalidArgument, "No filter named '" + std::string(name) + "'.");
    return fn(*this, v, args);
  }
  Result<Value> Call(const Value& callable, CallArgs& args) override {
    if (callable.IsObject()) return callable.AsObject()->Call(*this, args);
    return Unexpected(ErrorCode::kInvalidArgument,
                      "'" + std::string(callable.TypeName()) + "' object is not callable");
  }
  bool strict_undefined() const override { return strict_; }
  Status Tick(size_t n) override {
    ticks_ += n;
    if (ticks_ > tick_limit_) return Unexpected(ErrorCode::kResourceExhausted, "too many iterations");
    return OkStatus();
  }
  size_t ticks() const { return ticks_; }

 private:
  bool strict_;
  size_t tick_limit_;
  size_t ticks_ = 0;
};

}  // namespace gitops::jinja::testing
