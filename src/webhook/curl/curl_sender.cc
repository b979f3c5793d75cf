// libcurl adapter: RAII easy handles and header lists, response capture, error mapping.
#include "webhook/curl/curl_sender.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <cstring>

namespace gitops::webhook {
namespace {

struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using SlistPtr = std::unique_ptr<curl_slist, SlistDeleter>;

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string Trim(std::string_view s) {
  size_t begin = s.find_first_not_of(" \t\r\n");
  if (begin == std::string_view::npos) return "";
  size_t end = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(begin, end - begin + 1));
}

bool HeaderIs(std::string_view line, std::string_view name) {
  if (line.size() <= name.size() || line[name.size()] != ':') return false;
  for (size_t i = 0; i < name.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(line[i])) !=
        std::tolower(static_cast<unsigned char>(name[i]))) {
      return false;
    }
  }
  return true;
}

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* result = static_cast<HttpResult*>(user);
  size_t n = size * count;
  if (result->body.size() < kMaxBodyExcerpt) {
    result->body.append(data, std::min(n, kMaxBodyExcerpt - result->body.size()));
  }
  return n;  // the rest is read and dropped so the connection stays usable
}

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* result = static_cast<HttpResult*>(user);
  std::string_view line(data, size * count);
  if (line.starts_with("HTTP/")) {  // a new response (after a 1xx): forget the previous one
    result->retry_after.clear();
    result->location.clear();
  } else if (HeaderIs(line, "Retry-After")) {
    result->retry_after = Trim(line.substr(std::strlen("Retry-After:")));
  } else if (HeaderIs(line, "Location")) {
    result->location = Trim(line.substr(std::strlen("Location:")));
  }
  return size * count;
}

}  // namespace

// One CURL easy handle; it keeps its connection cache between requests.
class CurlSender::Handle {
 public:
  Handle() : curl_(curl_easy_init()) {}
  ~Handle() {
    if (curl_ != nullptr) curl_easy_cleanup(curl_);
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  CURL* get() const { return curl_; }

 private:
  CURL* curl_;
};

CurlSender::CurlSender(CurlSenderOptions options) : options_(options) { GlobalInit(); }

CurlSender::~CurlSender() = default;

std::unique_ptr<CurlSender::Handle> CurlSender::Take() {
  {
    std::lock_guard lock(mu_);
    if (!idle_.empty()) {
      auto handle = std::move(idle_.back());
      idle_.pop_back();
      return handle;
    }
  }
  return std::make_unique<Handle>();
}

void CurlSender::Give(std::unique_ptr<Handle> handle) {
  std::lock_guard lock(mu_);
  if (idle_.size() < options_.max_idle_handles) idle_.push_back(std::move(handle));
}

Result<HttpResult> CurlSender::Post(const std::string& url, const std::vector<HttpHeader>& headers,
                                    std::string_view body, std::chrono::milliseconds timeout) {
  std::unique_ptr<Handle> handle = Take();
  CURL* curl = handle->get();
  if (curl == nullptr) return Unexpected(ErrorCode::kInternal, "curl_easy_init failed");
  // Reset forgets the previous request's options but keeps live connections for reuse.
  curl_easy_reset(curl);

  SlistPtr header_list;
  auto append = [&](const std::string& line) {
    curl_slist* grown = curl_slist_append(header_list.get(), line.c_str());
    if (grown != nullptr) {
      (void)header_list.release();
      header_list.reset(grown);
    }
  };
  for (const auto& header : headers) append(header.name + ": " + header.value);
  append("Expect:");

  HttpResult result;
  char error_buffer[CURL_ERROR_SIZE] = {0};
  const long timeout_ms = static_cast<long>(std::max<int64_t>(1, timeout.count()));
  const long connect_ms =
      static_cast<long>(std::min<int64_t>(timeout_ms, options_.connect_timeout.count()));
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(curl, CURLOPT_POST, 1L);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, header_list.get());
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &OnBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &result);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &OnHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &result);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);

  CURLcode rc = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  // The handle must not keep pointers to this call's locals.
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, nullptr);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, nullptr);
  Give(std::move(handle));

  if (rc != CURLE_OK) {
    std::string message = error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(rc);
    switch (rc) {
      case CURLE_OPERATION_TIMEDOUT:
        return Unexpected(ErrorCode::kDeadlineExceeded, "timed out: " + message);
      case CURLE_URL_MALFORMAT:
      case CURLE_UNSUPPORTED_PROTOCOL:
        return Unexpected(ErrorCode::kInvalidArgument, "bad webhook URL: " + message);
      default:
        return Unexpected(ErrorCode::kUnavailable, message);
    }
  }
  result.status = static_cast<int>(status);
  return result;
}

}  // namespace gitops::webhook
