// The operations of support/Ops.def as enums, with their names and result-dtype rules.
// The value of each operation on one element is in support/ScalarOps.h.
#pragma once

#include <cstdint>
#include <iterator>
#include <optional>
#include <string_view>
#include <type_traits>

#include "support/DType.h"

namespace hel {

enum class UnaryRule { Keep, KeepNumeric, IntToFloat, FloatOnly, Predicate, Integral };
enum class BinaryRule { Promote, PromoteNumeric, PromoteToFloat, Bitwise, Shift, Compare, Logical };
enum class ReduceRule { Accumulate, Mean, Keep, Index };

enum class UnaryOp : uint8_t {
#define HEL_UNARY_OP(Enum, torch_name, python, Rule) Enum,
#include "support/Ops.def"
};
enum class BinaryOp : uint8_t {
#define HEL_BINARY_OP(Enum, torch_name, python, Rule) Enum,
#include "support/Ops.def"
};
enum class ReduceOp : uint8_t {
#define HEL_REDUCE_OP(Enum, torch_name, Rule) Enum,
#include "support/Ops.def"
};
enum class ScanOp : uint8_t {
#define HEL_SCAN_OP(Enum, torch_name, Rule, CombiningReduceOp) Enum,
#include "support/Ops.def"
};

struct UnaryOpInfo {
  std::string_view name;    // torch spelling: "exp"
  std::string_view python;  // operator or builtin, or ""
  UnaryRule rule;
};
struct BinaryOpInfo {
  std::string_view name;
  std::string_view python;
  BinaryRule rule;
};
struct ReduceOpInfo {
  std::string_view name;
  ReduceRule rule;
};
struct ScanOpInfo {
  std::string_view name;
  ReduceRule rule;
  ReduceOp combine;  // the reduction whose combining function the scan applies
};

inline constexpr UnaryOpInfo kUnaryOps[] = {
#define HEL_UNARY_OP(Enum, torch_name, python, Rule) {#torch_name, python, UnaryRule::Rule},
#include "support/Ops.def"
};
inline constexpr BinaryOpInfo kBinaryOps[] = {
#define HEL_BINARY_OP(Enum, torch_name, python, Rule) {#torch_name, python, BinaryRule::Rule},
#include "support/Ops.def"
};
inline constexpr ReduceOpInfo kReduceOps[] = {
#define HEL_REDUCE_OP(Enum, torch_name, Rule) {#torch_name, ReduceRule::Rule},
#include "support/Ops.def"
};
inline constexpr ScanOpInfo kScanOps[] = {
#define HEL_SCAN_OP(Enum, torch_name, Rule, CombiningReduceOp) \
  {#torch_name, ReduceRule::Rule, ReduceOp::CombiningReduceOp},
#include "support/Ops.def"
};

constexpr const UnaryOpInfo& opInfo(UnaryOp op) { return kUnaryOps[static_cast<int>(op)]; }
constexpr const BinaryOpInfo& opInfo(BinaryOp op) { return kBinaryOps[static_cast<int>(op)]; }
constexpr const ReduceOpInfo& opInfo(ReduceOp op) { return kReduceOps[static_cast<int>(op)]; }
constexpr const ScanOpInfo& opInfo(ScanOp op) { return kScanOps[static_cast<int>(op)]; }

// Looks an op up by its torch name ("floor_divide"); nullopt if there is none.
template <class Op>
std::optional<Op> opNamed(std::string_view name) {
  auto find = [&](const auto& table) -> std::optional<Op> {
    for (size_t i = 0; i < std::size(table); ++i) {
      if (table[i].name == name) return static_cast<Op>(i);
    }
    return std::nullopt;
  };
  if constexpr (std::is_same_v<Op, UnaryOp>) return find(kUnaryOps);
  else if constexpr (std::is_same_v<Op, BinaryOp>) return find(kBinaryOps);
  else if constexpr (std::is_same_v<Op, ReduceOp>) return find(kReduceOps);
  else return find(kScanOps);
}

// The dtype an elementwise op computes in (its operands are converted to it first) and
// the dtype of its result.
struct OpDTypes {
  DType compute;
  DType result;
};

// nullopt: the op is not defined on `input` (PyTorch: "... not implemented for 'Bool'").
constexpr std::optional<OpDTypes> unaryDTypes(UnaryOp op, DType input) {
  bool floating = isFloating(input);
  switch (opInfo(op).rule) {
    case UnaryRule::Keep: return OpDTypes{input, input};
    case UnaryRule::KeepNumeric:
      if (input == DType::Bool) return std::nullopt;
      return OpDTypes{input, input};
    case UnaryRule::IntToFloat: {
      DType compute = floating ? input : kDefaultFloat;
      return OpDTypes{compute, compute};
    }
    case UnaryRule::FloatOnly:
      if (!floating) return std::nullopt;
      return OpDTypes{input, input};
    case UnaryRule::Predicate: return OpDTypes{input, DType::Bool};
    case UnaryRule::Integral:
      if (floating) return std::nullopt;
      return OpDTypes{input, input};
  }
  return std::nullopt;
}

// `common` is the operands' promoted dtype (ResultType).
constexpr std::optional<OpDTypes> binaryDTypes(BinaryOp op, DType common) {
  bool floating = isFloating(common);
  switch (opInfo(op).rule) {
    case BinaryRule::Promote: return OpDTypes{common, common};
    case BinaryRule::PromoteNumeric:
      if (common == DType::Bool) return std::nullopt;
      return OpDTypes{common, common};
    case BinaryRule::PromoteToFloat: {
      DType compute = floating ? common : kDefaultFloat;
      return OpDTypes{compute, compute};
    }
    case BinaryRule::Bitwise:
      if (floating) return std::nullopt;
      return OpDTypes{common, common};
    case BinaryRule::Shift:
      if (!isIntegral(common, /*includeBool=*/false)) return std::nullopt;
      return OpDTypes{common, common};
    case BinaryRule::Compare:
    case BinaryRule::Logical: return OpDTypes{common, DType::Bool};
  }
  return std::nullopt;
}

// The result dtype of a reduction or scan rule on `input`; nullopt if not defined.
constexpr std::optional<DType> reduceResultDType(ReduceRule rule, DType input) {
  switch (rule) {
    case ReduceRule::Accumulate: return isFloating(input) ? input : DType::Int64;
    case ReduceRule::Mean:
      if (!isFloating(input)) return std::nullopt;
      return input;
    case ReduceRule::Keep: return input;
    case ReduceRule::Index: return DType::Int64;
  }
  return std::nullopt;
}

}  // namespace hel
