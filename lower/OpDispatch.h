// Evaluating ops of support/Ops.def on IR values (constant folding, the CPU
// backend): the run-time to compile-time op dispatch of support/OpDispatch.h,
// and `const` attributes as values of a dtype.
#pragma once


#include "lower/IR.h"
#include "support/OpDispatch.h"
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

}  // namespace hel::tir
