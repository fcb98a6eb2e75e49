#include "runtime/Scalar.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <cstdlib>

#include "support/ScalarOps.h"

namespace hel {

int64_t Scalar::toInt() const { return isFloat() ? scalar::convert<int64_t>(float_) : int_; }

DType Scalar::defaultDType() const {
  switch (kind_) {
    case ScalarKind::Bool: return DType::Bool;
    case ScalarKind::Int: return DType::Int64;
    case ScalarKind::Float: break;
  }
  return kDefaultFloat;
}

std::string Scalar::repr() const {
  switch (kind_) {
    case ScalarKind::Bool: return int_ ? "True" : "False";
    case ScalarKind::Int: return std::to_string(int_);
    case ScalarKind::Float: break;
  }
  return formatPythonFloat(float_);
}

std::string formatPythonFloat(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value < 0 ? "-inf" : "inf";
  // The shortest scientific form that round-trips: "d.ddde±XX" (from_chars, unlike
  // strtod, ignores the locale).
  std::string scientific;
  for (int precision = 0; precision <= 17; ++precision) {
    scientific = fmt::format("{:.{}e}", value, precision);
    double back = 0;
    std::from_chars(scientific.data(), scientific.data() + scientific.size(), back);
    if (back == value) break;
  }
  size_t ePos = scientific.find('e');
  int exponent = std::atoi(scientific.c_str() + ePos + 1);
  bool negative = scientific[0] == '-';
  std::string digits;  // without sign and point
  for (size_t i = negative ? 1 : 0; i < ePos; ++i) {
    if (scientific[i] != '.') digits += scientific[i];
  }
  std::string out = negative ? "-" : "";
  if (exponent < -4 || exponent >= 16) {
    out += digits.substr(0, 1);
    if (digits.size() > 1) out += "." + digits.substr(1);
    out += fmt::format("e{}{:02d}", exponent < 0 ? '-' : '+', std::abs(exponent));
  } else if (exponent < 0) {
    out += "0." + std::string(static_cast<size_t>(-exponent - 1), '0') + digits;
  } else {
    size_t integerDigits = static_cast<size_t>(exponent) + 1;
    if (digits.size() <= integerDigits) {
      out += digits + std::string(integerDigits - digits.size(), '0') + ".0";
    } else {
      out += digits.substr(0, integerDigits) + "." + digits.substr(integerDigits);
    }
  }
  return out;
}

}  // namespace hel
