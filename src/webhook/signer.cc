// HMAC-SHA256 through OpenSSL 3's EVP_MAC (HMAC_CTX is deprecated), behind RAII handles.
#include "webhook/signer.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <charconv>
#include <initializer_list>
#include <memory>

namespace gitops::webhook {
namespace {

struct MacDeleter {
  void operator()(EVP_MAC* mac) const { EVP_MAC_free(mac); }
};
struct MacCtxDeleter {
  void operator()(EVP_MAC_CTX* ctx) const { EVP_MAC_CTX_free(ctx); }
};
using MacPtr = std::unique_ptr<EVP_MAC, MacDeleter>;
using MacCtxPtr = std::unique_ptr<EVP_MAC_CTX, MacCtxDeleter>;

// The HMAC algorithm, fetched once; an EVP_MAC may be shared between threads.
EVP_MAC* HmacAlgorithm() {
  static MacPtr mac(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
  return mac.get();
}

std::string Hex(const unsigned char* data, size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (size_t i = 0; i < size; ++i) {
    out.push_back(kDigits[data[i] >> 4]);
    out.push_back(kDigits[data[i] & 0xf]);
  }
  return out;
}

// HMAC-SHA256 of the concatenation of `parts` (fed in turn: no joined copy), as hex.
Result<std::string> HmacSha256HexOf(std::string_view key,
                                    std::initializer_list<std::string_view> parts) {
  EVP_MAC* mac = HmacAlgorithm();
  if (mac == nullptr) return Unexpected(ErrorCode::kInternal, "OpenSSL has no HMAC");
  MacCtxPtr ctx(EVP_MAC_CTX_new(mac));
  if (!ctx) return Unexpected(ErrorCode::kInternal, "cannot create an HMAC context");
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_end(),
  };
  // HMAC accepts an empty key, but OpenSSL wants a non-null pointer for it.
  static const unsigned char kEmpty = 0;
  const unsigned char* key_bytes =
      key.empty() ? &kEmpty : reinterpret_cast<const unsigned char*>(key.data());
  bool ok = EVP_MAC_init(ctx.get(), key_bytes, key.size(), params) == 1;
  for (std::string_view part : parts) {
    ok = ok && EVP_MAC_update(ctx.get(), reinterpret_cast<const unsigned char*>(part.data()),
                              part.size()) == 1;
  }
  unsigned char out[EVP_MAX_MD_SIZE];
  size_t out_size = 0;
  if (!ok || EVP_MAC_final(ctx.get(), out, &out_size, sizeof(out)) != 1) {
    return Unexpected(ErrorCode::kInternal, "HMAC-SHA256 failed in OpenSSL");
  }
  return Hex(out, out_size);
}

}  // namespace

Result<std::string> HmacSha256Hex(std::string_view key, std::string_view message) {
  return HmacSha256HexOf(key, {message});
}

Result<std::string> Signer::Sign(int64_t unix_seconds, std::string_view body) const {
  const std::string timestamp = std::to_string(unix_seconds);
  auto hex = HmacSha256HexOf(secret_, {timestamp, ".", body});
  if (!hex) return std::move(hex).error();
  return "sha256=" + *hex;
}

int64_t UnixSeconds(Clock::TimePoint tp) {
  return std::chrono::duration_cast<std::chrono::seconds>(tp.time_since_epoch()).count();
}

Status Verify(std::string_view secret, std::string_view timestamp, std::string_view body,
              std::string_view signature, Clock::TimePoint now, std::chrono::seconds tolerance) {
  int64_t seconds = 0;
  auto [end, ec] = std::from_chars(timestamp.data(), timestamp.data() + timestamp.size(), seconds);
  if (timestamp.empty() || ec != std::errc() || end != timestamp.data() + timestamp.size()) {
    return Unexpected(ErrorCode::kInvalidArgument, "timestamp is not a whole number of seconds");
  }
  int64_t age = UnixSeconds(now) - seconds;
  if (age > tolerance.count() || -age > tolerance.count()) {
    return Unexpected(ErrorCode::kDeadlineExceeded, "timestamp is outside the tolerance");
  }
  if (!signature.starts_with("sha256=")) {
    return Unexpected(ErrorCode::kInvalidArgument, "signature does not start with sha256=");
  }
  // Over the timestamp exactly as received, as the receiver example does.
  auto hex = HmacSha256HexOf(secret, {timestamp, ".", body});
  if (!hex) return std::move(hex).error();
  const std::string expected = "sha256=" + *hex;
  if (expected.size() != signature.size() ||
      CRYPTO_memcmp(expected.data(), signature.data(), signature.size()) != 0) {
    return Unexpected(ErrorCode::kUnauthenticated, "signature does not match");
  }
  return OkStatus();
}

}  // namespace gitops::webhook
