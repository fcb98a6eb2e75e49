// Evaluating ops of support/Ops.def on IR values (constant folding, the CPU
// backend).
//
// withUnaryOp and friends turn a run-time op into a compile-time one: they call
// f(std::integral_constant<UnaryOp, UnaryOp::Exp>{}) and so on, so that code
// can switch once on the op and then run a loop that calls
// hel::scalar::unary<Op>(x) directly.
#pragma once

#include <type_traits>

#include "lower/IR.h"
#include "support/Ops.h"
#include "support/ScalarOps.h"

namespace hel::tir {

// A `const` op's value attribute (an int64 or a double) as the storage type T
// of a dtype, converted as a cast would.
template <class T>
T constantAs(const Attribute& value) {
  if (const int64_t* integer = std::get_if<int64_t>(&value)) return scalar::convert<T>(*integer);
  return scalar::convert<T>(std::get<double>(value));
}

template <class F>
decltype(auto) withUnaryOp(UnaryOp op, F&& f) {
  switch (op) {
#define HEL_UNARY_OP(Enum, torch_name, python, Rule) \
  case UnaryOp::Enum: return f(std::integral_constant<UnaryOp, UnaryOp::Enum>{});
#include "support/Ops.def"
  }
  return f(std::integral_constant<UnaryOp, UnaryOp::Abs>{});
}

template <class F>
decltype(auto) withBinaryOp(BinaryOp op, F&& f) {
  switch (op) {
#define HEL_BINARY_OP(Enum, torch_name, python, Rule) \
  case BinaryOp::Enum: return f(std::integral_constant<BinaryOp, BinaryOp::Enum>{});
#include "support/Ops.def"
  }
  return f(std::integral_constant<BinaryOp, BinaryOp::Add>{});
}

template <class F>
decltype(auto) withReduceOp(ReduceOp op, F&& f) {
  switch (op) {
#define HEL_REDUCE_OP(Enum, torch_name, Rule) \
  case ReduceOp::Enum: return f(std::integral_constant<ReduceOp, ReduceOp::Enum>{});
#include "support/Ops.def"
  }
  return f(std::integral_constant<ReduceOp, ReduceOp::Sum>{});
}

}  // namespace hel::tir
