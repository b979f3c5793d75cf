// Remote URL helpers: userinfo splitting and redaction (see remote_url.h).
#include "git/remote_url.h"

#include <cctype>

#include "git/repository.h"

namespace gitops::git {
namespace internal {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string PercentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && HexValue(s[i + 1]) >= 0 && HexValue(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

// Position just after "scheme://" when `url` starts with a URL scheme, else npos.
size_t AuthorityStart(std::string_view url) {
  size_t sep = url.find("://");
  if (sep == std::string_view::npos || sep == 0) return std::string_view::npos;
  for (size_t i = 0; i < sep; ++i) {
    char c = url[i];
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.')) {
      return std::string_view::npos;
    }
  }
  return sep + 3;
}

}  // namespace

SplitUrl SplitUserInfo(std::string_view url) {
  SplitUrl out;
  size_t start = AuthorityStart(url);
  if (start == std::string_view::npos) {
    out.url = std::string(url);
    return out;
  }
  size_t end = url.find_first_of("/?#", start);
  if (end == std::string_view::npos) end = url.size();
  std::string_view authority = url.substr(start, end - start);
  size_t at = authority.rfind('@');
  if (at == std::string_view::npos) {
    out.url = std::string(url);
    return out;
  }
  std::string_view userinfo = authority.substr(0, at);
  size_t colon = userinfo.find(':');
  out.username = PercentDecode(userinfo.substr(0, colon));
  if (colon != std::string_view::npos) out.password = PercentDecode(userinfo.substr(colon + 1));
  out.url = std::string(url.substr(0, start)) + std::string(url.substr(start + at + 1));
  return out;
}

std::string Scrub(std::string text, std::string_view secret) {
  if (!secret.empty()) {
    size_t pos = 0;
    while ((pos = text.find(secret, pos)) != std::string::npos) {
      text.replace(pos, secret.size(), "***");
      pos += 3;
    }
  }
  // Remove userinfo from every URL embedded in the text.
  size_t pos = 0;
  while ((pos = text.find("://", pos)) != std::string::npos) {
    size_t start = pos + 3;
    size_t end = text.find_first_of("/?# \t\n'\"", start);
    if (end == std::string::npos) end = text.size();
    size_t at = text.rfind('@', end);
    if (at != std::string::npos && at >= start) text.erase(start, at + 1 - start);
    pos = start;
  }
  return text;
}

}  // namespace internal

std::string RedactUrl(std::string_view url) { return internal::SplitUserInfo(url).url; }

}  // namespace gitops::git
