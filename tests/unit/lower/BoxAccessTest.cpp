// box-access: the loads a TMA copy can make, and those it cannot.
#include <catch2/catch.hpp>

#include "lower/BoxAccess.h"
#include "tests/unit/lower/TirTestUtil.h"

using namespace hel;
using namespace hel::tir;

namespace {

// The kernel's ops that are loads, in order.
std::vector<const Op*> loadsOf(const Kernel& kernel) {
  std::vector<const Op*> loads;
  walk(kernel.body, [&](const Op& op) {
    if (op.kind() == OpKind::Load) loads.push_back(&op);
  });
  return loads;
}

}  // namespace

TEST_CASE("box-access: a matmul's operand tiles, rows and columns named by the mask") {
  // x[tile_m, tile_k] of a 4000 x 4000 x: both dims masked.
  auto parsed = testing::parseText(R"(kernel @k(%x: ptr<f16, align 16>) grid [32 / 1] {num_warps = 4, num_stages = 1, pid_type = "flat"} {
  %0 = program_id {axis = 0} : i32
  %1 = const {value = 128} : i32
  %2 = mul %0, %1 : i32
  %3 = splat %2 : <128xi32>
  %4 = arange {start = 0, end = 128} : <128xi32>
  %5 = add %3, %4 : <128xi32>
  %6 = const {value = 4000} : <128xi32>
  %7 = mul %5, %6 : <128xi32>
  %8 = expand_dims %7 {axis = 1} : <128x1xi32>
  %9 = broadcast %8 : <128x64xi32>
  %10 = const {value = 64} : i32
  %11 = splat %10 : <64xi32>
  %12 = arange {start = 0, end = 64} : <64xi32>
  %13 = add %11, %12 : <64xi32>
  %14 = expand_dims %13 {axis = 0} : <1x64xi32>
  %15 = broadcast %14 : <128x64xi32>
  %16 = add %9, %15 : <128x64xi32>
  %17 = lt %5, %6 : <128xi1>
  %18 = expand_dims %17 {axis = 1} : <128x1xi1>
  %19 = broadcast %18 : <128x64xi1>
  %20 = const {value = 4000} : <64xi32>
  %21 = lt %13, %20 : <64xi1>
  %22 = expand_dims %21 {axis = 0} : <1x64xi1>
  %23 = broadcast %22 : <128x64xi1>
  %24 = logical_and %19, %23 : <128x64xi1>
  %25 = load %x, %16, %24 : <128x64xf16>
  %26 = load %x, %16, %19 : <128x64xf16>
  %27 = load %x, %16 : <128x64xf16>
  return
}
)");
  REQUIRE(parsed.errors.empty());
  const Kernel& kernel = *parsed.module->kernels[0];
  std::vector<const Op*> loads = loadsOf(kernel);
  const Value* pid = kernel.body.ops()[0]->result();

  std::optional<BoxAccess> both = boxAccess(*loads[0]);
  REQUIRE(both);
  CHECK(both->rowStride == 4000);
  CHECK(both->columns == 4000);
  CHECK(both->rows == 4000);
  REQUIRE(both->row);
  REQUIRE(both->column);
  CHECK(both->row->terms.size() == 1);
  CHECK(both->row->coefficientOf(pid) == 128);
  CHECK(both->column->isConstant());
  CHECK(both->column->constant == 64);
  CHECK(both->predicates.empty());

  // Rows masked only: the column is what is left of the origin.
  std::optional<BoxAccess> rows = boxAccess(*loads[1]);
  REQUIRE(rows);
  CHECK(rows->rows == 4000);
  CHECK(rows->columns == 4000);
  REQUIRE(rows->column);
  CHECK(rows->column->constant == 64);
  CHECK(rows->column->terms.empty());

  // No mask: row and column come from the origin at run time.
  std::optional<BoxAccess> none = boxAccess(*loads[2]);
  REQUIRE(none);
  CHECK(!none->rows);
  CHECK(!none->row);
  CHECK(none->origin.terms.size() == 1);
  CHECK(none->origin.coefficientOf(pid) == 512000);
  CHECK(none->origin.constant == 64);
}

TEST_CASE("box-access: a whole-tile predicate, and accesses that are no box") {
  auto parsed = testing::parseText(R"(kernel @k(%x: ptr<f16, align 16>, %n: i32) grid [32 / 1] {num_warps = 4, num_stages = 1, pid_type = "flat"} {
  %0 = program_id {axis = 0} : i32
  %1 = const {value = 64} : <64xi32>
  %2 = arange {start = 0, end = 64} : <64xi32>
  %3 = mul %2, %1 : <64xi32>
  %4 = expand_dims %3 {axis = 1} : <64x1xi32>
  %5 = broadcast %4 : <64x64xi32>
  %6 = expand_dims %2 {axis = 0} : <1x64xi32>
  %7 = broadcast %6 : <64x64xi32>
  %8 = add %5, %7 : <64x64xi32>
  %9 = lt %0, %n : i1
  %10 = splat %9 : <64x64xi1>
  %11 = load %x, %8, %10 : <64x64xf16>
  %12 = mul %7, %7 : <64x64xi32>
  %13 = add %5, %12 : <64x64xi32>
  %14 = load %x, %13 : <64x64xf16>
  %15 = add %7, %5 : <64x64xi32>
  %16 = splat %n : <64x64xi32>
  %17 = mul %15, %16 : <64x64xi32>
  %18 = load %x, %17 : <64x64xf16>
  %19 = lt %7, %5 : <64x64xi1>
  %20 = load %x, %8, %19 : <64x64xf16>
  %21 = const {value = 0} : <64xi32>
  %22 = lt %2, %21 : <64xi1>
  %23 = expand_dims %22 {axis = 1} : <64x1xi1>
  %24 = broadcast %23 : <64x64xi1>
  %25 = load %x, %8, %24 : <64x64xf16>
  return
}
)");
  REQUIRE(parsed.errors.empty());
  const Kernel& kernel = *parsed.module->kernels[0];
  std::vector<const Op*> loads = loadsOf(kernel);
  std::optional<BoxAccess> predicated = boxAccess(*loads[0]);
  REQUIRE(predicated);
  CHECK(predicated->predicates.size() == 1);
  CHECK(predicated->rowStride == 64);
  CHECK(!boxAccess(*loads[1]));  // columns squared: a gather
  CHECK(!boxAccess(*loads[2]));  // a stride only known at run time
  CHECK(!boxAccess(*loads[3]));  // a triangular mask
  // A bound of 0 masks every element (a loop that runs no iteration): a tensor
  // map of 0 rows would be refused.
  CHECK(!boxAccess(*loads[4]));
}

TEST_CASE("box-access: linear forms divide exactly or not at all") {
  Value a(Type::scalar(DType::Int32), nullptr, nullptr, 0);
  LinearForm form;
  form.terms.emplace_back(&a, 128);
  form.constant = 64;
  CHECK(form.dividedExactly(64)->coefficientOf(&a) == 2);
  CHECK(form.dividedExactly(64)->constant == 1);
  CHECK(!form.dividedExactly(128));
  CHECK(form.plus(form, -1).isConstant());
  CHECK(form.plus(form, -1).constant == 0);
  CHECK(form.times(0).terms.empty());
  // Equal sums whatever their terms' order.
  Value b(Type::scalar(DType::Int32), nullptr, nullptr, 1);
  LinearForm ab, ba;
  ab.terms = {{&a, 1}, {&b, 2}};
  ba.terms = {{&b, 2}, {&a, 1}};
  CHECK(ab == ba);
  CHECK(!(ab == form));
}

