// The builtin filter registry: a sorted name table of Jinja2 3.1's deterministic filters plus
// the service's to_yaml, to_nice_yaml, to_json, b64encode and b64decode.
#include <algorithm>
#include <iterator>

#include "jinja/filters_internal.h"
#include "jinja/runtime.h"

namespace gitops::jinja {
namespace {

namespace b = builtins;

struct FilterRow {
  std::string_view name;
  FilterFn fn;
};

// Sorted by name (checked by a unit test).
constexpr FilterRow kFilters[] = {
    {"abs", b::Abs},
    {"attr", b::Attr},
    {"b64decode", b::B64Decode},
    {"b64encode", b::B64Encode},
    {"batch", b::Batch},
    {"capitalize", b::Capitalize},
    {"center", b::Center},
    {"count", b::Length},
    {"d", b::Default},
    {"default", b::Default},
    {"dictsort", b::DictSort},
    {"e", b::Escape},
    {"escape", b::Escape},
    {"filesizeformat", b::FileSizeFormat},
    {"first", b::First},
    {"float", b::Float},
    {"forceescape", b::ForceEscape},
    {"format", b::Format},
    {"groupby", b::GroupBy},
    {"indent", b::Indent},
    {"int", b::Int},
    {"items", b::Items},
    {"join", b::Join},
    {"last", b::Last},
    {"length", b::Length},
    {"list", b::ListFilter},
    {"lower", b::Lower},
    {"map", b::Map},
    {"max", b::Max},
    {"min", b::Min},
    {"pprint", b::Pprint},
    {"reject", b::Reject},
    {"rejectattr", b::RejectAttr},
    {"replace", b::Replace},
    {"reverse", b::Reverse},
    {"round", b::Round},
    {"safe", b::Safe},
    {"select", b::Select},
    {"selectattr", b::SelectAttr},
    {"slice", b::Slice},
    {"sort", b::Sort},
    {"string", b::String},
    {"striptags", b::StripTags},
    {"sum", b::Sum},
    {"title", b::TitleFilter},
    {"to_json", b::ToJsonDumps},
    {"to_nice_yaml", b::ToNiceYaml},
    {"to_yaml", b::ToYaml},
    {"tojson", b::ToJsonFilter},
    {"trim", b::Trim},
    {"truncate", b::Truncate},
    {"unique", b::Unique},
    {"upper", b::Upper},
    {"urlencode", b::UrlEncode},
    {"urlize", b::Urlize},
    {"wordcount", b::WordCount},
    {"wordwrap", b::WordWrap},
    {"xmlattr", b::XmlAttr},
};

static_assert(std::is_sorted(std::begin(kFilters), std::end(kFilters),
                             [](const FilterRow& a, const FilterRow& b) { return a.name < b.name; }),
              "kFilters must be sorted by name");

}  // namespace

FilterFn FindFilter(std::string_view name) {
  auto it = std::lower_bound(std::begin(kFilters), std::end(kFilters), name,
                             [](const FilterRow& row, std::string_view n) { return row.name < n; });
  if (it != std::end(kFilters) && it->name == name) return it->fn;
  return nullptr;
}

}  // namespace gitops::jinja
