// nvptx::emitPTX's shared-memory limit (backend/nvptx/Codegen.h), and the PTX cache's
// (backend/nvptx/PtxCache.h).
#include <catch2/catch.hpp>

#include <filesystem>

#include "backend/nvptx/Codegen.h"
#include "backend/nvptx/PtxCache.h"
#include "lower/IRParser.h"

using namespace hel;

namespace {

// A sum over four warps: their partial sums meet in shared memory.
const char* const kSum = R"(
kernel @sum(%x: ptr<f32>, %out: ptr<f32>) grid [1 / 1] {num_warps = 4, num_stages = 1, pid_type = "flat"} {
  %offsets = arange {start = 0, end = 1024} : <1024xi32>
  %values = load %x, %offsets : <1024xf32>
  %total = reduce %values {op = "sum", axis = 0} : f32
  %zero = const {value = 0} : i32
  store %out, %zero, %total
  return
}
)";

std::unique_ptr<tir::Module> parse(const SourceFile& file) {
  DiagnosticEngine diags([](const Diagnostic& d) { FAIL(DiagnosticEngine::render(d)); });
  return tir::parse(file, diags);
}

}  // namespace

TEST_CASE("a kernel over the shared-memory limit is neither optimized nor emitted") {
  SourceFile file("sum.tir", kSum);
  std::unique_ptr<tir::Module> module = parse(file);
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

TEST_CASE("the PTX cache stores only whole kernels") {
  SourceFile file("sum.tir", kSum);
  std::unique_ptr<tir::Module> module = parse(file);
  REQUIRE(module);
  const tir::Kernel& kernel = *module->kernels[0];
  nvptx::Target target{"sm_90"};
  std::filesystem::path dir = std::filesystem::temp_directory_path() / "hel-ptx-cache-test";
  std::filesystem::remove_all(dir);
  nvptx::PtxCache cache(dir.string());
  std::string key = nvptx::PtxCache::keyOf(kernel, target);
  CHECK(cache.compile(kernel, target, 0).text.empty());
  CHECK_FALSE(cache.load(key));  // the cut-short kernel is not stored
  nvptx::Ptx whole = cache.compile(kernel, target);
  REQUIRE(cache.load(key));
  CHECK(cache.load(key)->text == whole.text);
  // From the cache it comes whole, over the limit or not: sharedBytes tells.
  nvptx::Ptx cached = cache.compile(kernel, target, 0);
  CHECK(cached.text == whole.text);
  CHECK(cached.sharedBytes == whole.sharedBytes);
  std::filesystem::remove_all(dir);
}

TEST_CASE("the PTX cache keeps a kernel's tensor maps") {
  std::filesystem::path dir = std::filesystem::temp_directory_path() / "hel-ptx-cache-maps-test";
  std::filesystem::remove_all(dir);
  nvptx::PtxCache cache(dir.string());
  nvptx::Ptx ptx;
  ptx.text = "// PTX\n";
  ptx.entry = "matmul";
  ptx.threads = 256;
  ptx.sharedBytes = 99328;
  nvptx::TensorMap x{0, DType::Float16, 4000, 4000, 8000, 64, 128, 128};
  nvptx::TensorMap y{1, DType::BFloat16, 136, 2147483647, 272, 32, 256, 64};
  ptx.tensorMaps = {x, y};
  cache.store("key", ptx);
  std::optional<nvptx::Ptx> loaded = cache.load("key");
  REQUIRE(loaded);
  CHECK(loaded->text == ptx.text);
  CHECK(loaded->threads == 256);
  CHECK(loaded->sharedBytes == 99328);
  REQUIRE(loaded->tensorMaps.size() == 2);
  CHECK(loaded->tensorMaps[0] == x);
  CHECK(loaded->tensorMaps[1] == y);
  std::filesystem::remove_all(dir);
}
