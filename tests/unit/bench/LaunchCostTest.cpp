// What a launch moves and computes, read off its tile IR (runtime/bench/LaunchCost.h).
#include <catch2/catch.hpp>

#include <string>

#include "runtime/bench/LaunchCost.h"
#include "tests/unit/lower/TirTestUtil.h"

using namespace hel;
using namespace hel::bench;

namespace {

// y = x + 1 over %n elements, blocks of 32, the grid's extent a parameter.
const char* kAddOne = R"(
kernel @add_one(%x: ptr<f32>, %y: ptr<f32>, %n: i32) grid [%n / 32] {num_warps = 4, num_stages = 1, pid_type = "flat"} {
  %0 = program_id {axis = 0} : i32
  %1 = const {value = 32} : i32
  %2 = mul %0, %1 : i32
  %3 = arange {start = 0, end = 32} : <32xi32>
  %4 = splat %2 : <32xi32>
  %5 = add %4, %3 : <32xi32>
  %6 = load %x, %5 : <32xf32>
  %7 = const {value = 1.0} : <32xf32>
  %8 = add %6, %7 : <32xf32>
  store %y, %5, %8
  return
}
)";

// acc += a[16x8] @ b[8x16] for k in [0, %k) step 8, on a 4 x 2 grid; then an atomic add.
const char* kDotLoop = R"(
kernel @mm(%a: ptr<f32>, %b: ptr<f32>, %out: ptr<f32>, %k: i32) grid [4 / 1, 2 / 1] {num_warps = 4, num_stages = 1, pid_type = "flat"} {
  %0 = const {value = 0} : i32
  %1 = const {value = 8} : i32
  %2 = arange {start = 0, end = 128} : <128xi32>
  %3 = reshape %2 : <16x8xi32>
  %4 = reshape %2 : <8x16xi32>
  %5 = arange {start = 0, end = 256} : <256xi32>
  %6 = reshape %5 : <16x16xi32>
  %7 = const {value = 0.0} : <16x16xf32>
  %8 = for %0, %k, %1, %7 : <16x16xf32> {
  ^bb(%9: i32, %10: <16x16xf32>):
    %11 = load %a, %3 : <16x8xf32>
    %12 = load %b, %4 : <8x16xf32>
    %13 = dot %11, %12, %10 {precision = "ieee"} : <16x16xf32>
    yield %13
  }
  %14 = atomic %out, %6, %8 {op = "add"} : <16x16xf32>
  return
}
)";

// A dot in a loop of program id iterations, on 4 programs: 0 + 1 + 2 + 3.
const char* kProgramTrips = R"(
kernel @mm(%a: ptr<f32>, %out: ptr<f32>) grid [4 / 1] {num_warps = 4, num_stages = 1, pid_type = "flat"} {
  %0 = const {value = 0} : i32
  %1 = const {value = 1} : i32
  %2 = program_id {axis = 0} : i32
  %3 = arange {start = 0, end = 256} : <256xi32>
  %4 = reshape %3 : <16x16xi32>
  %5 = const {value = 0.0} : <16x16xf32>
  %6 = for %0, %2, %1, %5 : <16x16xf32> {
  ^bb(%7: i32, %8: <16x16xf32>):
    %9 = load %a, %4 : <16x16xf32>
    %10 = dot %9, %9, %8 {precision = "ieee"} : <16x16xf32>
    yield %10
  }
  store %out, %4, %6
  return
}
)";

// kProgramTrips with its loop's bound read from memory: its count cannot be known.
std::string unknownTrips() {
  std::string text = kProgramTrips;
  auto swap = [&](const std::string& from, const std::string& to) { text.replace(text.find(from), from.size(), to); };
  swap("%out: ptr<f32>)", "%out: ptr<f32>, %n: ptr<i32>)");
  swap("%2 = program_id {axis = 0} : i32", "%2 = load %n, %0 : i32");
  return text;
}

tir::testing::Parsed parsed(const char* text) {
  tir::testing::Parsed result = tir::testing::parseText(text);
  INFO((result.errors.empty() ? "" : result.errors[0]));
  REQUIRE(result.module);
  return result;
}

}  // namespace

TEST_CASE("an elementwise kernel moves each tensor once: read x, write y") {
  auto add = parsed(kAddOne);
  const tir::Kernel& kernel = *add.module->kernels[0];
  std::vector<ParamUse> uses = paramUses(kernel);
  REQUIRE(uses.size() == 3);
  CHECK((uses[0].reads && !uses[0].writes));
  CHECK((!uses[1].reads && uses[1].writes));
  CHECK((!uses[2].reads && !uses[2].writes));
  CHECK(isRepeatable(uses));
  CHECK(programCount(kernel, {0, 0, 1000}) == 32);  // ceil(1000 / 32)
  LaunchCost cost = launchCost(kernel, {4000, 4000, 0}, {0, 0, 1000});
  CHECK(cost.bytes == 8000);
  REQUIRE(cost.flops);
  CHECK(*cost.flops == 0);
}

TEST_CASE("dot work counts 2*M*N*K per dot, times loop trips and programs") {
  auto mm = parsed(kDotLoop);
  const tir::Kernel& kernel = *mm.module->kernels[0];
  std::vector<ParamUse> uses = paramUses(kernel);
  // The atomic both reads and writes `out`: the kernel cannot simply be repeated.
  CHECK((uses[2].reads && uses[2].writes && uses[2].atomic));
  CHECK(!isRepeatable(uses));
  LaunchCost cost = launchCost(kernel, {100, 200, 300, 0}, {0, 0, 0, 64});
  CHECK(cost.bytes == 100 + 200 + 2 * 300);
  REQUIRE(cost.flops);
  // 8 programs x 8 trips (64 / 8) x 2*16*16*8.
  CHECK(*cost.flops == 8.0 * 8 * 2 * 16 * 16 * 8);
  // A trip count that rounds up: 60 / 8 -> 8 trips too; none at all when empty.
  CHECK(*launchCost(kernel, {0, 0, 0, 0}, {0, 0, 0, 60}).flops == 8.0 * 8 * 4096);
  CHECK(*launchCost(kernel, {0, 0, 0, 0}, {0, 0, 0, 0}).flops == 0);
}

TEST_CASE("a loop whose bounds are each program's index math counts its iterations in each") {
  auto mm = parsed(kProgramTrips);
  CHECK(*launchCost(*mm.module->kernels[0], {1024, 1024}, {0, 0}).flops == 6.0 * 2 * 16 * 16 * 16);
}

TEST_CASE("dot work in a loop of unknown length is not reported") {
  auto mm = parsed(unknownTrips().c_str());
  LaunchCost cost = launchCost(*mm.module->kernels[0], {1024, 1024, 4}, {0, 0, 0});
  CHECK(cost.bytes == 2052);
  CHECK(!cost.flops);
}

TEST_CASE("a tensor read and written through one parameter cannot be repeated") {
  CHECK(!isRepeatable({ParamUse{true, true, false}}));
  CHECK(isRepeatable({ParamUse{true, false, false}, ParamUse{false, true, false}}));
}
