#include "runtime/interp/GpuRunner.h"

#include <fmt/format.h>

#include "runtime/Errors.h"
#include "runtime/cuda/EventClock.h"
#include "runtime/interp/LaunchTiming.h"

namespace hel::interp {
namespace {

// CU_TENSOR_MAP_DATA_TYPE_* of the element types rings hold.
int tensorMapDataType(DType dtype) {
  switch (dtype) {
    case DType::Float16: return 6;
    case DType::BFloat16: return 9;
    case DType::Float32: return 7;
    default: throw std::logic_error("internal compiler error: a tensor map of " + std::string(dtypeName(dtype)));
  }
}

}  // namespace

std::unique_ptr<GpuRunner> GpuRunner::create(std::string* whyNot) {
  cuda::CudaDevice* device = cuda::CudaDevice::get(whyNot);
  if (!device) return nullptr;
  cuda::CudaDevice::installStorageAllocator();
  return std::unique_ptr<GpuRunner>(new GpuRunner(*device));
}

GpuRunner::GpuRunner(cuda::CudaDevice& device) : device_(device) {
  // PTX for the GPU at hand: sm_90a (wgmma) runs only on sm_90 chips; plain
  // sm_90 code runs on newer ones too.
  const cuda::DeviceProperties& chip = device.properties();
  int version = chip.computeMajor * 10 + chip.computeMinor;
  target_.arch = version == 90 ? "sm_90a" : version > 90 ? "sm_90" : "sm_80";
  target_.tensorMaps = device.hasTensorMaps();
}

bool GpuRunner::setArch(const std::string& arch, std::string* whyNot) {
  const cuda::DeviceProperties& chip = device_.properties();
  int version = chip.computeMajor * 10 + chip.computeMinor;
  int wanted = std::stoi(arch.substr(3, 2));
  // sm_90a code runs on sm_90 chips only; other PTX on its version and newer ones.
  if (wanted > version || (arch.back() == 'a' && wanted != version)) {
    *whyNot = fmt::format("the {} (compute capability {}.{}) does not run it", chip.name, chip.computeMajor,
                          chip.computeMinor);
    return false;
  }
  target_.arch = arch;
  return true;
}

std::unique_ptr<GpuRunner::Compiled> GpuRunner::compile(const tir::Kernel& kernel) { return load(emit(kernel)); }

nvptx::Ptx GpuRunner::emit(const tir::Kernel& kernel, std::optional<int64_t> sharedLimit) const {
  return useCache_ ? cache_.compile(kernel, target_, sharedLimit) : nvptx::emitPTX(kernel, target_, sharedLimit);
}

std::unique_ptr<GpuRunner::Compiled> GpuRunner::load(nvptx::Ptx ptx) {
  auto compiled = std::make_unique<Compiled>();
  compiled->ptx = std::move(ptx);
  compiled->kernel = &device_.kernel(compiled->ptx.text, compiled->ptx.entry);
  return compiled;
}

void GpuRunner::run(const Compiled& compiled, const tir::Kernel& kernel, const std::vector<cpu::Argument>& args) {
  launch(compiled, kernel, args);
  device_.synchronize();
}

bench::Timing GpuRunner::benchmark(const Compiled& compiled, const tir::Kernel& kernel,
                                   const std::vector<cpu::Argument>& args, const bench::Settings& settings) {
  // Tensors made on the host are moved to the GPU up front, not page by page by the
  // first timed launches.
  for (const cpu::Argument& arg : args)
    if (arg.kind == cpu::Argument::Kind::Pointer) device_.prefetch(arg.data, arg.count * itemSize(arg.dtype));
  cuda::EventClock clock(device_);
  return timeRepeatedLaunch(kernel, args, clock, [&] { launch(compiled, kernel, args); }, settings);
}

void GpuRunner::launch(const Compiled& compiled, const tir::Kernel& kernel, const std::vector<cpu::Argument>& args) {
  // Each parameter's value, as cuLaunchKernel reads it through a pointer.
  union Slot {
    cuda::CUdeviceptr pointer;
    int8_t i8;
    int16_t i16;
    int32_t i32;
    int64_t i64;
    float f32;
    double f64;
  };
  std::vector<Slot> values(args.size());
  std::vector<void*> params;
  for (size_t i = 0; i < args.size(); ++i) {
    const cpu::Argument& arg = args[i];
    Slot& slot = values[i];
    if (arg.kind == cpu::Argument::Kind::Pointer) {
      if (!device_.isManaged(arg.data))
        fail("kernel argument '{}' is not in GPU memory, but the kernel runs on the GPU: make it with "
             "device=\"cuda\" or move it with .cuda()",
             kernel.param(i)->nameHint());
      slot.pointer = reinterpret_cast<cuda::CUdeviceptr>(arg.data);
    } else {
      switch (arg.dtype) {
        case DType::Bool:
        case DType::UInt8:
        case DType::Int8: slot.i8 = static_cast<int8_t>(arg.intValue); break;
        case DType::Int16: slot.i16 = static_cast<int16_t>(arg.intValue); break;
        case DType::Int32: slot.i32 = static_cast<int32_t>(arg.intValue); break;
        case DType::Int64: slot.i64 = arg.intValue; break;
        case DType::Float64: slot.f64 = arg.floatValue; break;
        default: slot.f32 = static_cast<float>(arg.floatValue); break;
      }
    }
    params.push_back(&slot);
  }
  // The tensor maps of its TMA copies, over the tensors of their pointer parameters.
  std::vector<cuda::CUdeviceptr> maps;
  maps.reserve(compiled.ptx.tensorMaps.size());
  for (const nvptx::TensorMap& map : compiled.ptx.tensorMaps) {
    cuda::TensorMapDescription description;
    description.dataType = tensorMapDataType(map.dtype);
    description.address = args.at(static_cast<size_t>(map.pointerParam)).data;
    description.columns = map.columns;
    description.rows = map.rows;
    description.rowStrideBytes = map.rowStrideBytes;
    description.boxColumns = map.boxColumns;
    description.boxRows = map.boxRows;
    description.swizzle = map.swizzleBytes == 128 ? 3 : map.swizzleBytes == 64 ? 2 : 1;  // CU_TENSOR_MAP_SWIZZLE_*
    maps.push_back(device_.tensorMap(description));
    params.push_back(&maps.back());
  }
  unsigned grid[3] = {1, 1, 1};
  for (size_t axis = 0; axis < kernel.launch.grid.size() && axis < 3; ++axis) {
    const tir::GridAxis& g = kernel.launch.grid[axis];
    int64_t extent = g.extentParam >= 0 ? args[static_cast<size_t>(g.extentParam)].intValue : g.extent;
    int64_t programs = g.programsFor(extent);
    if (programs > (axis == 0 ? 0x7fffffffLL : 65535LL))
      fail("kernel '{}' needs {} programs along grid axis {}, more than a GPU launch allows", kernel.name, programs,
           axis);
    grid[axis] = static_cast<unsigned>(programs);
  }
  device_.launch(*compiled.kernel, {grid[0], grid[1], grid[2]},
                 {static_cast<unsigned>(compiled.ptx.threads), 1, 1},
                 static_cast<unsigned>(compiled.ptx.sharedBytes), params.data());
}

}  // namespace hel::interp
