// Name rules shared by the API and the configuration: DNS-1123 labels (resource names, tenants,
// clusters, type names, flavors), HTTP header tokens, Python-style title case, and suggestions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace gitops::config {

inline constexpr size_t kMaxDnsLabelLength = 63;

// True when `s` is a DNS-1123 label: 1 to 63 characters of [a-z0-9-], starting and ending with
// an alphanumeric. Such a name is also a safe single path segment (no '/', no "..").
bool IsDnsLabel(std::string_view s);

// Explains why `s` is not a DNS-1123 label ("" when it is one), e.g.
// "must be at most 63 characters", "must consist of lower case alphanumeric characters or '-'".
std::string DnsLabelProblem(std::string_view s);

// True when `s` is an HTTP header field name (an RFC 9110 token, non-empty).
bool IsHttpToken(std::string_view s);

// Python's str.title() on ASCII: the first letter of each run of letters upper case, the rest
// lower case ("namespace" -> "Namespace", "vm" -> "Vm", "dns-record" -> "Dns-Record").
std::string TitleCase(std::string_view s);

// Why `branch` is not a usable Git branch name ("" when it is), after git-check-ref-format.
std::string GitBranchProblem(std::string_view branch);

// The candidate closest to `word` (edit distance at most 2, or a case-insensitive match), or ""
// when none is close. Used for "did you mean" hints.
std::string ClosestMatch(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace gitops::config
