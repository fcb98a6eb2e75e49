// axis-info: contiguity, divisibility and constancy of offsets and masks.
#include <catch2/catch.hpp>

#include "lower/AxisInfo.h"
#include "tests/unit/lower/TirTestUtil.h"

using namespace hel;
using namespace hel::tir;

TEST_CASE("axis-info: a block's offsets are contiguous and aligned, its tail mask constant per vector") {
  auto parsed = testing::parseText(R"(kernel @k(%x: ptr<f32>) grid [1 / 1] {num_warps = 4, num_stages = 1, pid_type = "flat"} {
  %0 = program_id {axis = 0} : i32
  %1 = const {value = 1024} : i32
  %2 = mul %0, %1 : i32
  %3 = splat %2 : <1024xi32>
  %4 = arange {start = 0, end = 1024} : <1024xi32>
  %5 = add %3, %4 : <1024xi32>
  %6 = const {value = 1000} : <1024xi32>
  %7 = lt %5, %6 : <1024xi1>
  %8 = const {value = 999} : <1024xi32>
  %9 = lt %5, %8 : <1024xi1>
  %10 = const {value = 3} : <1024xi32>
  %11 = mul %5, %10 : <1024xi32>
  %12 = expand_dims %5 {axis = 1} : <1024x1xi32>
  return
}
)");
  REQUIRE(parsed.module);
  const Kernel& kernel = *parsed.module->kernels[0];
  AxisInfo info(kernel);
  auto facts = [&](size_t index) { return info.facts(kernel.body.ops()[index]->result()); };
  CHECK(facts(2).divisibility == 1024);
  CHECK(facts(5).contiguity == 1024);
  CHECK(facts(5).divisibility == 1024);
  CHECK(facts(7).constancy == 8);  // 1000 = 8 * 125
  CHECK(facts(9).constancy == 1);  // 999 is odd
  CHECK(facts(11).contiguity == 1);
  CHECK(facts(12).contiguity == 1);
  CHECK(facts(12).divisibility == 1);
}
