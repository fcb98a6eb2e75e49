// The dot roles of a loop's tile dims, read from a kernel lowered under probe block
// sizes (runtime/tune/DotRoles.h).
#include <catch2/catch.hpp>

#include "lower/IRParser.h"
#include "runtime/tune/DotRoles.h"

using namespace hel;
using namespace hel::tune;

namespace {

std::unique_ptr<tir::Module> parse(const SourceFile& file) {
  DiagnosticEngine diags([](const Diagnostic& d) { FAIL(DiagnosticEngine::render(d)); });
  return tir::parse(file, diags);
}

}  // namespace

TEST_CASE("probe block sizes are distinct powers of two") {
  CHECK(probeBlockSizes(4) == std::vector<int64_t>{2, 4, 8, 16});
}

TEST_CASE("attention's tile dims: batch, the first dot's M and N; fixed dims match none") {
  // Probe sizes 2, 4, 8 for the dims (batch*heads, query rows, key columns); the head
  // dim is 64. q k^T: <2x4x64> @ <2x64x8>; then p v: <2x4x8> @ <2x8x64>, where the
  // key dim is K but the first dot has decided it already.
  SourceFile file("attention.tir", R"(
kernel @attention(%q: ptr<f16>) grid [1 / 1] {num_warps = 4, num_stages = 1, pid_type = "flat"} {
  %lo = const {value = 0} : i32
  %hi = const {value = 64} : i32
  %step = const {value = 8} : i32
  %qt = const {value = 1.0} : <2x4x64xf16>
  %acc0 = const {value = 0.0} : <2x4x64xf32>
  %acc = for %lo, %hi, %step, %acc0 : <2x4x64xf32> {
  ^bb(%iv: i32, %a: <2x4x64xf32>):
    %kt = const {value = 1.0} : <2x64x8xf16>
    %zero = const {value = 0.0} : <2x4x8xf32>
    %s = dot %qt, %kt, %zero {precision = "ieee"} : <2x4x8xf32>
    %p = cast %s : <2x4x8xf16>
    %vt = const {value = 1.0} : <2x8x64xf16>
    %next = dot %p, %vt, %a {precision = "ieee"} : <2x4x64xf32>
    yield %next
  }
  return
}
)");
  std::unique_ptr<tir::Module> module = parse(file);
  REQUIRE(module);
  std::vector<TileDim> dims{{128, true}, {4096, true}, {4096, false}};
  assignDotRoles(*module->kernels[0], {2, 4, 8}, dims);
  CHECK(dims[0].dotRole == DotRole::Batch);
  CHECK(dims[1].dotRole == DotRole::M);
  CHECK(dims[2].dotRole == DotRole::N);
}

TEST_CASE("a matmul's tile dims: M and N in the grid, K in the loop") {
  SourceFile file("matmul.tir", R"(
kernel @matmul(%x: ptr<f16>) grid [1 / 1] {num_warps = 4, num_stages = 1, pid_type = "flat"} {
  %a = const {value = 1.0} : <4x2xf16>
  %b = const {value = 1.0} : <2x8xf16>
  %zero = const {value = 0.0} : <4x8xf32>
  %c = dot %a, %b, %zero {precision = "ieee"} : <4x8xf32>
  return
}
)");
  std::unique_ptr<tir::Module> module = parse(file);
  REQUIRE(module);
  std::vector<TileDim> dims{{4096, true}, {4096, true}, {4096, false}, {7, false}};
  assignDotRoles(*module->kernels[0], {4, 8, 2, 16}, dims);
  CHECK(dims[0].dotRole == DotRole::M);
  CHECK(dims[1].dotRole == DotRole::N);
  CHECK(dims[2].dotRole == DotRole::K);
  CHECK(dims[3].dotRole == DotRole::None);
}
