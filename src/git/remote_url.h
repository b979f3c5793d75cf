// Private to src/git/: splitting and redacting remote URLs so credentials never reach libgit2's
// config, log lines or error messages.
#pragma once

#include <string>
#include <string_view>

namespace gitops::git::internal {

struct SplitUrl {
  std::string url;  // the URL without userinfo (unchanged for paths and scp-like ssh URLs)
  std::string username;
  std::string password;
};

// Splits "scheme://user:pass@host/..." into its URL without userinfo and the (percent-decoded)
// user and password. Other forms are returned unchanged with empty user and password.
SplitUrl SplitUserInfo(std::string_view url);

// Replaces every occurrence of `secret` in `text` with "***" (no-op for an empty secret) and
// removes userinfo from any "scheme://user:pass@" inside `text`.
std::string Scrub(std::string text, std::string_view secret);

}  // namespace gitops::git::internal
