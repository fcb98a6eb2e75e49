// nvptx::emitPTX's shared-memory limit (backend/nvptx/Codegen.h).
#include <catch2/catch.hpp>

#include "backend/nvptx/Codegen.h"
#include "lower/IRParser.h"

using namespace hel;

TEST_CASE("a kernel over the shared-memory limit is neither optimized nor emitted") {
  // A sum over four warps: their partial sums meet in shared memory.
  SourceFile file("sum.tir", R"(
kernel @sum(%x: ptr<f32>, %out: ptr<f32>) grid [1 / 1] {num_warps = 4, num_stages = 1, pid_type = "flat"} {
  %offsets = arange {start = 0, end = 1024} : <1024xi32>
  %values = load %x, %offsets : <1024xf32>
  %total = reduce %values {op = "sum", axis = 0} : f32
  %zero = const {value = 0} : i32
  store %out, %zero, %total
  return
}
)");
  DiagnosticEngine diags([](const Diagnostic& d) { FAIL(DiagnosticEngine::render(d)); });
  std::unique_ptr<tir::Module> module = tir::parse(file, diags);
  REQUIRE(module);
  nvptx::Target target{"sm_90"};
  nvptx::Ptx full = nvptx::emitPTX(*module->kernels[0], target);
  REQUIRE(full.sharedBytes > 0);
  CHECK(full.text.find(".entry sum") != std::string::npos);
  nvptx::Ptx within = nvptx::emitPTX(*module->kernels[0], target, full.sharedBytes);
  CHECK(within.text == full.text);
  nvptx::Ptx over = nvptx::emitPTX(*module->kernels[0], target, full.sharedBytes - 1);
  CHECK(over.text.empty());
  CHECK(over.sharedBytes == full.sharedBytes);
  CHECK(over.threads == full.threads);
  CHECK(over.entry == "sum");
}
