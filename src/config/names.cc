// Name rules: DNS-1123 labels, header tokens, title case and "did you mean" suggestions.
#include "config/names.h"

#include <algorithm>
#include <cctype>

namespace gitops::config {
namespace {

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

bool IsAsciiLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

char Lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      size_t cost = Lower(a[i - 1]) == Lower(b[j - 1]) ? 0 : 1;
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + cost});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// "retries" -> "retry", "flavors" -> "flavor": so a singular/plural slip is always suggested.
std::string Stem(std::string_view s) {
  std::string out;
  for (char c : s) out.push_back(Lower(c));
  if (out.size() > 3 && out.ends_with("ies")) {
    out.resize(out.size() - 3);
    out += "y";
  } else if (out.size() > 3 && out.ends_with("s")) {
    out.pop_back();
  }
  return out;
}

}  // namespace

bool IsDnsLabel(std::string_view s) { return DnsLabelProblem(s).empty(); }

std::string DnsLabelProblem(std::string_view s) {
  if (s.empty()) return "must not be empty";
  if (s.size() > kMaxDnsLabelLength) {
    return "must be at most " + std::to_string(kMaxDnsLabelLength) + " characters";
  }
  for (char c : s) {
    if (!IsLowerAlnum(c) && c != '-') {
      return "must consist of lower case alphanumeric characters or '-' (a DNS-1123 label)";
    }
  }
  if (!IsLowerAlnum(s.front()) || !IsLowerAlnum(s.back())) {
    return "must start and end with an alphanumeric character (a DNS-1123 label)";
  }
  return "";
}

bool IsHttpToken(std::string_view s) {
  if (s.empty()) return false;
  static constexpr std::string_view kSpecials = "!#$%&'*+-.^_`|~";
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || kSpecials.find(c) != kSpecials.npos;
  });
}

std::string TitleCase(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  bool previous_cased = false;
  for (char c : s) {
    if (IsAsciiLetter(c)) {
      out.push_back(previous_cased
                        ? Lower(c)
                        : static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
      previous_cased = true;
    } else {
      out.push_back(c);
      previous_cased = false;
    }
  }
  return out;
}

std::string GitBranchProblem(std::string_view branch) {
  if (branch.empty()) return "must not be empty";
  if (branch.front() == '-' || branch.front() == '/' || branch.back() == '/' ||
      branch.back() == '.' || branch.find("..") != std::string_view::npos ||
      branch.find("//") != std::string_view::npos || branch.find("@{") != std::string_view::npos ||
      branch.ends_with(".lock")) {
    return "is not a valid Git branch name";
  }
  for (char c : branch) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f || c == '~' || c == '^' || c == ':' ||
        c == '?' || c == '*' || c == '[' || c == '\\') {
      return "is not a valid Git branch name";
    }
  }
  return "";
}

std::string ClosestMatch(std::string_view word, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_distance = 3;
  for (const auto& candidate : candidates) {
    size_t distance = Stem(word) == Stem(candidate) ? 0 : EditDistance(word, candidate);
    // Short words: one edit at most, so "id" does not suggest "ttl".
    size_t limit = std::min<size_t>(2, std::max<size_t>(1, candidate.size() / 3));
    if (distance <= limit && distance < best_distance) {
      best = candidate;
      best_distance = distance;
    }
  }
  return best;
}

}  // namespace gitops::config
