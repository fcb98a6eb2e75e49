// Checks the tile IR's invariants (operand counts and types, shapes of
// broadcast/reduce/dot, terminators, dominance). Lowering and every pass must
// leave a module that verifies; a failure is a compiler bug, not a user error.
// The rules are those of the op table in IR.h.
#pragma once

#include <string>

#include "lower/IR.h"

namespace hel::tir {

// Returns an empty string when the module is valid, else what is wrong and where.
std::string verify(const Module& module);
// The same for one kernel; on failure `where`, when given, receives the
// location of the offending op (or of the kernel).
std::string verify(const Kernel& kernel, SourceRange* where = nullptr);

// The rules local to one op: its operands, attributes, result types and, for
// `for` and `if`, its regions' arguments and yields. Empty when they hold.
std::string verifyOp(const Op& op);

}  // namespace hel::tir
