// `hel bench`'s figures, table and JSON (runtime/bench/BenchReport.h).
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "runtime/bench/BenchReport.h"

using namespace hel::bench;

namespace {

Report gpuReport() {
  Report report;
  report.helVersion = "0.1.0";
  report.script = "add.hel";
  report.machine.name = "NVIDIA H100 80GB HBM3";
  report.machine.arch = "sm_90";
  report.machine.driverVersion = "13.0";
  report.machine.copyBytesPerSecond = 2.0e12;
  report.machine.copyFromCache = true;
  report.machine.nominalBytesPerSecond = 3.35e12;
  report.machine.peakHalfFlops = 1.0e15;
  Row add;
  add.kernel = "add_kernel";
  add.line = 12;
  add.tensors = {{"x", "f32", {1 << 20}}, {"out", "f32", {1 << 20}}};
  add.config = "helion.Config(block_sizes=[1024], num_warps=4)";
  add.timing = {0.008, 0.0075, 0.02, 100, 1000};
  add.cost = {8.0e6, 0.0};
  report.rows.push_back(add);
  Row mm;
  mm.kernel = "matmul";
  mm.line = 30;
  mm.tensors = {{"a", "f16", {4096, 4096}}, {"b", "f16", {4096, 4096}}, {"out", "f16", {4096, 4096}}};
  mm.config = "default: block_sizes=[64, 64, 32], num_warps=4";
  mm.timing = {0.25, 0.24, 0.3, 100, 400};
  mm.cost = {3 * 2 * 4096.0 * 4096, 2 * 4096.0 * 4096 * 4096, hel::DType::Float16};
  report.rows.push_back(mm);
  return report;
}

}  // namespace

TEST_CASE("rates are bytes and FLOPs per second in units of 1e9 and 1e12") {
  CHECK(gbPerSecond(8.0e6, 0.008) == Approx(1000));
  CHECK(tflopPerSecond(2.0e12, 1000) == Approx(2));
  CHECK(gbPerSecond(1, 0) == 0);
}

TEST_CASE("the table has a heading and a row per kernel, numbers to the right") {
  std::string table = formatTable(gpuReport());
  CHECK(table ==
        "hel bench add.hel: NVIDIA H100 80GB HBM3 (sm_90, CUDA driver 13.0), copy bandwidth 2000 GB/s (measured "
        "earlier, cached)\n"
        "CUDA events, L2 flushed before each run, median of 100 ms of runs after 25 ms of warm-up\n"
        "kernel      line  arguments                                               config                    "
        "                          ms    GB/s  % copy  TFLOP/s  % peak  runs\n"
        "add_kernel    12  x=f32[1048576], out=f32[1048576]                        helion.Config(block_sizes=[1024], "
        "num_warps=4)  0.0080  1000.0    50.0        -       -  1000\n"
        "matmul        30  a=f16[4096,4096], b=f16[4096,4096], out=f16[4096,4096]  default: block_sizes=[64, 64, 32], "
        "num_warps=4  0.2500   402.7    20.1   549.76    55.0   400\n");
}

TEST_CASE("without rows the table says so") {
  Report report = gpuReport();
  report.rows.clear();
  CHECK_THAT(formatTable(report), Catch::EndsWith("\nno kernel was launched\n"));
}

TEST_CASE("the JSON holds the device, the timing method and each kernel's figures") {
  nlohmann::json json = nlohmann::json::parse(toJson(gpuReport()));
  CHECK(json["hel_version"] == "0.1.0");
  CHECK(json["script"] == "add.hel");
  CHECK(json["device"]["backend"] == "cuda");
  CHECK(json["device"]["name"] == "NVIDIA H100 80GB HBM3");
  CHECK(json["device"]["driver_version"] == "13.0");
  CHECK(json["device"]["copy_gb_per_s"] == Approx(2000));
  CHECK(json["device"]["copy_gb_per_s_cached"] == true);
  CHECK(json["timing"]["clock"] == "cuda_events");
  CHECK(json["timing"]["l2_flush"] == true);
  CHECK(json["timing"]["rep_ms"] == 100);
  REQUIRE(json["kernels"].size() == 2);
  const nlohmann::json& add = json["kernels"][0];
  CHECK(add["kernel"] == "add_kernel");
  CHECK(add["line"] == 12);
  CHECK(add["arguments"][1]["name"] == "out");
  CHECK(add["arguments"][1]["shape"][0] == 1 << 20);
  CHECK(add["median_ms"] == Approx(0.008));
  CHECK(add["runs"] == 1000);
  CHECK(add["bytes"] == 8000000);
  CHECK(add["gb_per_s"] == Approx(1000));
  CHECK(add["percent_of_copy"] == Approx(50));
  CHECK(add["flops"] == 0);
  CHECK(add["tflop_per_s"].is_null());
  const nlohmann::json& mm = json["kernels"][1];
  CHECK(mm["flops"] == 137438953472LL);
  CHECK(mm["tflop_per_s"] == Approx(549.755813888));
  CHECK(mm["percent_of_peak_flops"] == Approx(54.9755813888));
  CHECK(add["percent_of_peak_flops"].is_null());
}

TEST_CASE("on the CPU backend there is no copy bandwidth to compare with") {
  Report report = gpuReport();
  report.machine = Machine{};
  report.machine.gpu = false;
  nlohmann::json json = nlohmann::json::parse(toJson(report));
  CHECK(json["device"]["backend"] == "cpu");
  CHECK(!json["device"].contains("name"));
  CHECK(json["device"]["copy_gb_per_s"].is_null());
  CHECK(json["timing"]["clock"] == "wall_clock");
  CHECK(json["kernels"][0]["percent_of_copy"].is_null());
  CHECK_THAT(formatTable(report), Catch::StartsWith("hel bench add.hel: on the CPU backend, wall clock"));
}
