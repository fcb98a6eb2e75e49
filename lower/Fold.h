// Constant folding: an op of support/Ops.def, or a cast, on `const` attribute
// values, computed with support/ScalarOps.h in the op's dtype exactly as the
// CPU backend would. Used by canonicalize, and by bench/LaunchCost for the
// index math of each program.
#pragma once

#include <optional>

#include "lower/IR.h"
#include "support/Ops.h"

namespace hel::tir {

// Nullopt where the op is not defined on the dtype, or an integer division by zero.
std::optional<Attribute> foldUnary(UnaryOp op, DType dtype, const Attribute& x);
std::optional<Attribute> foldBinary(BinaryOp op, DType dtype, const Attribute& a, const Attribute& b);
Attribute foldCast(DType from, DType to, const Attribute& x);

}  // namespace hel::tir
