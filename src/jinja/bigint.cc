// Arbitrary-precision integers (see bigint.h): sign and magnitude in base 2**32 limbs,
// schoolbook multiplication and Knuth's long division; sizes stay small (kMaxBits).
#include "jinja/bigint.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace gitops::jinja {

namespace {
constexpr uint64_t kBase = uint64_t{1} << 32;
}  // namespace

BigInt::BigInt(int64_t v) {
  negative_ = v < 0;
  uint64_t m = negative_ ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
  while (m != 0) {
    mag_.push_back(static_cast<uint32_t>(m));
    m >>= 32;
  }
}

void BigInt::Trim(Mag& m) {
  while (!m.empty() && m.back() == 0) m.pop_back();
}

BigInt BigInt::Make(bool negative, Mag mag) {
  Trim(mag);
  BigInt v;
  v.negative_ = negative && !mag.empty();
  v.mag_ = std::move(mag);
  return v;
}

Error BigInt::TooLarge() {
  return MakeError(ErrorCode::kResourceExhausted,
                   "integer result too large (the limit is about 4300 decimal digits)");
}

Result<BigInt> BigInt::Checked(BigInt v) {
  if (v.BitLength() > kMaxBits) return Unexpected(TooLarge());
  return v;
}

size_t BigInt::BitLengthOf(const Mag& m) {
  if (m.empty()) return 0;
  return (m.size() - 1) * 32 + static_cast<size_t>(std::bit_width(m.back()));
}

size_t BigInt::BitLength() const { return BitLengthOf(mag_); }

Result<BigInt> BigInt::FromDigits(std::string_view s, int base) {
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s.empty() || base < 2 || base > 36) {
    return Unexpected(ErrorCode::kInvalidArgument, "invalid integer");
  }
  Mag mag;
  for (char c : s) {
    int d = c >= '0' && c <= '9'   ? c - '0'
            : c >= 'a' && c <= 'z' ? c - 'a' + 10
            : c >= 'A' && c <= 'Z' ? c - 'A' + 10
                                   : 99;
    if (d >= base) return Unexpected(ErrorCode::kInvalidArgument, "invalid integer");
    uint64_t carry = static_cast<uint64_t>(d);
    for (uint32_t& limb : mag) {
      uint64_t t = uint64_t{limb} * static_cast<uint64_t>(base) + carry;
      limb = static_cast<uint32_t>(t);
      carry = t >> 32;
    }
    if (carry != 0) mag.push_back(static_cast<uint32_t>(carry));
    Trim(mag);
    if (BitLengthOf(mag) > kMaxBits) return Unexpected(TooLarge());
  }
  return Make(negative, std::move(mag));
}

BigInt BigInt::FromIntegralDouble(double f) {
  bool negative = f < 0;
  int exp = 0;
  double m = std::frexp(std::fabs(f), &exp);  // |f| = m * 2**exp, m in [0.5, 1)
  if (m == 0) return BigInt();
  auto mantissa = static_cast<uint64_t>(std::ldexp(m, 53));  // exact: 53 significant bits
  exp -= 53;
  if (exp < 0) mantissa >>= -exp;  // integral: the dropped bits are zero
  BigInt v(static_cast<int64_t>(mantissa));
  if (exp > 0) v.mag_ = ShiftLeft(v.mag_, static_cast<size_t>(exp));
  v.negative_ = negative;
  return v;
}

std::optional<int64_t> BigInt::ToInt64() const {
  if (mag_.size() > 2) return std::nullopt;
  uint64_t m = 0;
  for (size_t i = mag_.size(); i-- > 0;) m = (m << 32) | mag_[i];
  if (negative_) {
    if (m > uint64_t{1} << 63) return std::nullopt;
    return static_cast<int64_t>(0 - m);
  }
  if (m > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
  return static_cast<int64_t>(m);
}

std::optional<double> BigInt::ToDouble() const {
  size_t bits = BitLength();
  double d;
  if (bits <= 64) {
    uint64_t m = 0;
    for (size_t i = mag_.size(); i-- > 0;) m = (m << 32) | mag_[i];
    d = static_cast<double>(m);  // rounds to nearest, ties to even
  } else {
    // The top 64 bits, with a sticky bit for anything below them: converting that rounds as
    // the whole number would (11 dropped bits, the lowest one records inexactness).
    size_t shift = bits - 64;
    uint64_t top = 0;
    for (int k = 63; k >= 0; --k) {
      size_t bit = shift + static_cast<size_t>(k);
      top = (top << 1) | ((mag_[bit / 32] >> (bit % 32)) & 1);
    }
    bool sticky = false;
    for (size_t bit = 0; bit < shift && !sticky; ++bit) {
      if (bit % 32 == 0 && bit + 32 <= shift) {
        sticky = mag_[bit / 32] != 0;
        bit += 31;
        continue;
      }
      sticky = (mag_[bit / 32] >> (bit % 32)) & 1;
    }
    if (sticky) top |= 1;
    d = std::ldexp(static_cast<double>(top), static_cast<int>(shift));
  }
  if (std::isinf(d)) return std::nullopt;
  return negative_ ? -d : d;
}

std::string BigInt::MagnitudeDigits(int base, bool upper) const {
  const char* symbols = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  if (mag_.empty()) return "0";
  // Repeated division by base**k (the largest power below 2**32), k digits per division,
  // collected from the lowest.
  uint64_t chunk = static_cast<uint64_t>(base);
  int per_chunk = 1;
  while (chunk * static_cast<uint64_t>(base) < kBase) {
    chunk *= static_cast<uint64_t>(base);
    ++per_chunk;
  }
  Mag m = mag_;
  std::string reversed;
  while (!m.empty()) {
    uint64_t rem = 0;
    for (size_t i = m.size(); i-- > 0;) {
      uint64_t cur = (rem << 32) | m[i];
      m[i] = static_cast<uint32_t>(cur / chunk);
      rem = cur % chunk;
    }
    Trim(m);
    for (int k = 0; k < per_chunk && (rem != 0 || !m.empty()); ++k) {
      reversed.push_back(symbols[rem % static_cast<uint64_t>(base)]);
      rem /= static_cast<uint64_t>(base);
    }
  }
  return std::string(reversed.rbegin(), reversed.rend());
}

void BigInt::AppendTo(std::string& out) const {
  if (negative_) out.push_back('-');
  out += MagnitudeDigits(10);
}

std::string BigInt::ToString() const {
  std::string s;
  AppendTo(s);
  return s;
}

int BigInt::CompareMag(const Mag& a, const Mag& b) {
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  for (size_t i = a.size(); i-- > 0;) {
    if (a[i] != b[i]) return a[i] < b[i] ? -1 : 1;
  }
  return 0;
}

int BigInt::Compare(const BigInt& other) const {
  if (negative_ != other.negative_) return negative_ ? -1 : 1;
  int c = CompareMag(mag_, other.mag_);
  return negative_ ? -c : c;
}

int BigInt::CompareDouble(double f) const {
  if (std::isinf(f)) return f > 0 ? -1 : 1;
  double fl = std::floor(f);
  int c = Compare(FromIntegralDouble(fl));
  if (c != 0) return c;
  return f > fl ? -1 : 0;
}

BigInt BigInt::Negated() const { return Make(!negative_, mag_); }

BigInt::Mag BigInt::AddMag(const Mag& a, const Mag& b) {
  const Mag& x = a.size() >= b.size() ? a : b;
  const Mag& y = a.size() >= b.size() ? b : a;
  Mag r(x.size() + 1, 0);
  uint64_t carry = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    uint64_t t = uint64_t{x[i]} + (i < y.size() ? y[i] : 0) + carry;
    r[i] = static_cast<uint32_t>(t);
    carry = t >> 32;
  }
  r[x.size()] = static_cast<uint32_t>(carry);
  Trim(r);
  return r;
}

BigInt::Mag BigInt::SubMag(const Mag& a, const Mag& b) {
  Mag r(a.size(), 0);
  int64_t borrow = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    int64_t t = int64_t{a[i]} - (i < b.size() ? int64_t{b[i]} : 0) - borrow;
    borrow = t < 0 ? 1 : 0;
    r[i] = static_cast<uint32_t>(t + (borrow ? static_cast<int64_t>(kBase) : 0));
  }
  Trim(r);
  return r;
}

BigInt::Mag BigInt::MulMag(const Mag& a, const Mag& b) {
  if (a.empty() || b.empty()) return {};
  Mag r(a.size() + b.size(), 0);
  for (size_t i = 0; i < a.size(); ++i) {
    uint64_t carry = 0;
    for (size_t j = 0; j < b.size(); ++j) {
      uint64_t t = uint64_t{a[i]} * b[j] + r[i + j] + carry;
      r[i + j] = static_cast<uint32_t>(t);
      carry = t >> 32;
    }
    r[i + b.size()] = static_cast<uint32_t>(carry);
  }
  Trim(r);
  return r;
}

BigInt::Mag BigInt::ShiftLeft(const Mag& a, size_t bits) {
  if (a.empty()) return {};
  size_t limbs = bits / 32, rest = bits % 32;
  Mag r(a.size() + limbs + 1, 0);
  for (size_t i = 0; i < a.size(); ++i) {
    uint64_t t = uint64_t{a[i]} << rest;
    r[i + limbs] |= static_cast<uint32_t>(t);
    r[i + limbs + 1] |= static_cast<uint32_t>(t >> 32);
  }
  Trim(r);
  return r;
}

// Knuth's algorithm D (TAOCP 4.3.1): normalize so the divisor's top limb has its high bit
// set, then estimate each quotient limb from the top two limbs and correct it.
void BigInt::DivModMag(const Mag& a, const Mag& b, Mag& q, Mag& r) {
  q.clear();
  r.clear();
  if (CompareMag(a, b) < 0) {
    r = a;
    return;
  }
  size_t n = b.size(), m = a.size();
  if (n == 1) {
    q.assign(m, 0);
    uint64_t rem = 0;
    for (size_t i = m; i-- > 0;) {
      uint64_t cur = (rem << 32) | a[i];
      q[i] = static_cast<uint32_t>(cur / b[0]);
      rem = cur % b[0];
    }
    Trim(q);
    if (rem != 0) r.push_back(static_cast<uint32_t>(rem));
    return;
  }
  int s = std::countl_zero(b.back());
  Mag vn(n, 0), un(m + 1, 0);
  // Limb i of x << s (0 < s < 32 or s == 0), for the limbs of x below i.
  auto shifted = [s](const Mag& x, size_t i) {
    uint64_t low = s && i ? uint64_t{x[i - 1]} >> (32 - s) : 0;
    return static_cast<uint32_t>((uint64_t{x[i]} << s) | low);
  };
  for (size_t i = 0; i < n; ++i) vn[i] = shifted(b, i);
  un[m] = s ? static_cast<uint32_t>(uint64_t{a[m - 1]} >> (32 - s)) : 0;
  for (size_t i = 0; i < m; ++i) un[i] = shifted(a, i);
  q.assign(m - n + 1, 0);
  for (size_t j = m - n + 1; j-- > 0;) {
    uint64_t num = (uint64_t{un[j + n]} << 32) | un[j + n - 1];
    uint64_t qhat = num / vn[n - 1];
    uint64_t rhat = num % vn[n - 1];
    while (qhat >= kBase || qhat * vn[n - 2] > ((rhat << 32) | un[j + n - 2])) {
      --qhat;
      rhat += vn[n - 1];
      if (rhat >= kBase) break;
    }
    // un[j..j+n] -= qhat * vn
    int64_t borrow = 0;
    uint64_t carry = 0;
    for (size_t i = 0; i < n; ++i) {
      uint64_t p = qhat * vn[i] + carry;
      carry = p >> 32;
      int64_t t = int64_t{un[i + j]} - borrow - static_cast<int64_t>(p & 0xffffffffu);
      un[i + j] = static_cast<uint32_t>(t);
      borrow = t < 0 ? 1 : 0;
    }
    int64_t t = int64_t{un[j + n]} - borrow - static_cast<int64_t>(carry);
    un[j + n] = static_cast<uint32_t>(t);
    if (t < 0) {  // qhat was one too large: add the divisor back
      --qhat;
      uint64_t c = 0;
      for (size_t i = 0; i < n; ++i) {
        uint64_t sum = uint64_t{un[i + j]} + vn[i] + c;
        un[i + j] = static_cast<uint32_t>(sum);
        c = sum >> 32;
      }
      un[j + n] = static_cast<uint32_t>(uint64_t{un[j + n]} + c);
    }
    q[j] = static_cast<uint32_t>(qhat);
  }
  Trim(q);
  r.assign(n, 0);
  for (size_t i = 0; i < n; ++i) {
    uint64_t high = s ? uint64_t{un[i + 1]} << (32 - s) : 0;
    r[i] = static_cast<uint32_t>((uint64_t{un[i]} >> s) | high);
  }
  Trim(r);
}

Result<BigInt> BigInt::Add(const BigInt& a, const BigInt& b) {
  if (a.negative_ == b.negative_) return Checked(Make(a.negative_, AddMag(a.mag_, b.mag_)));
  int c = CompareMag(a.mag_, b.mag_);
  if (c == 0) return BigInt();
  if (c > 0) return Checked(Make(a.negative_, SubMag(a.mag_, b.mag_)));
  return Checked(Make(b.negative_, SubMag(b.mag_, a.mag_)));
}

Result<BigInt> BigInt::Sub(const BigInt& a, const BigInt& b) { return Add(a, b.Negated()); }

Result<BigInt> BigInt::Mul(const BigInt& a, const BigInt& b) {
  if (BitLengthOf(a.mag_) + BitLengthOf(b.mag_) > kMaxBits + 1) {
    // The product has at least bits(a) + bits(b) - 1 bits: too large, don't compute it.
    return Unexpected(TooLarge());
  }
  return Checked(Make(a.negative_ != b.negative_, MulMag(a.mag_, b.mag_)));
}

std::pair<BigInt, BigInt> BigInt::DivMod(const BigInt& a, const BigInt& b) {
  Mag q, r;
  DivModMag(a.mag_, b.mag_, q, r);
  BigInt quot = Make(a.negative_ != b.negative_, std::move(q));
  BigInt rem = Make(a.negative_, std::move(r));
  if (!rem.IsZero() && a.negative_ != b.negative_) {
    // Truncation rounded toward zero; floor rounds down: q - 1, r + b. Sizes only shrink.
    quot = *Sub(quot, BigInt(1));
    rem = *Add(rem, b);
  }
  return {std::move(quot), std::move(rem)};
}

Result<BigInt> BigInt::Pow(const BigInt& a, uint64_t e) {
  if (e == 0) return BigInt(1);
  size_t bits = a.BitLength();
  if (bits <= 1) {  // 0, 1, -1
    return Make(a.negative_ && (e & 1), a.mag_);
  }
  // The result has more than (bits - 1) * e bits.
  if (e > kMaxBits || (bits - 1) * e >= kMaxBits) return Unexpected(TooLarge());
  BigInt result(1), base = a;
  while (true) {
    if (e & 1) {
      auto r = Mul(result, base);
      if (!r.ok()) return r;
      result = std::move(r).value();
    }
    e >>= 1;
    if (e == 0) break;
    auto sq = Mul(base, base);
    if (!sq.ok()) return sq;
    base = std::move(sq).value();
  }
  return result;
}

std::optional<double> BigInt::TrueDiv(const BigInt& a, const BigInt& b) {
  bool negative = a.negative_ != b.negative_;
  if (a.IsZero()) return negative ? -0.0 : 0.0;
  size_t abits = a.BitLength(), bbits = b.BitLength();
  double d;
  if (abits <= 53 && bbits <= 53) {
    // Both exact as doubles: IEEE division rounds correctly.
    d = *Make(false, a.mag_).ToDouble() / *Make(false, b.mag_).ToDouble();
  } else {
    // Scale so the integer quotient has 55 or 56 bits, divide, and fold the remainder into a
    // sticky bit: converting that quotient rounds as the exact one would.
    int64_t shift = 55 - (static_cast<int64_t>(abits) - static_cast<int64_t>(bbits));
    Mag num = a.mag_, den = b.mag_;
    if (shift > 0) num = ShiftLeft(num, static_cast<size_t>(shift));
    if (shift < 0) den = ShiftLeft(den, static_cast<size_t>(-shift));
    Mag q, r;
    DivModMag(num, den, q, r);
    uint64_t qv = 0;
    for (size_t i = q.size(); i-- > 0;) qv = (qv << 32) | q[i];
    if (!r.empty()) qv |= 1;
    d = std::ldexp(static_cast<double>(qv), static_cast<int>(-shift));
  }
  if (std::isinf(d)) return std::nullopt;
  return negative ? -d : d;
}

}  // namespace gitops::jinja
