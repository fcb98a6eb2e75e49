#include "runtime/cuda/SameBytes.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace hel::cuda {
namespace {

// ORs the XOR of every 32-bit word (grid-stride), and thread 0 the trailing bytes, into a
// flag that is set when anything differs.
const char* kSameBytesPtx = R"(.version 7.0
.target sm_50
.address_size 64
.visible .entry hel_bytes_differ(.param .u64 a, .param .u64 b, .param .u64 words, .param .u64 tail, .param .u64 flag)
{
  .reg .pred %p<4>;
  .reg .b32 %r<10>;
  .reg .b64 %rd<20>;
  ld.param.u64 %rd1, [a];
  ld.param.u64 %rd2, [b];
  ld.param.u64 %rd3, [words];
  ld.param.u64 %rd4, [tail];
  ld.param.u64 %rd5, [flag];
  mov.u32 %r1, %ctaid.x;
  mov.u32 %r2, %ntid.x;
  mov.u32 %r3, %tid.x;
  mov.u32 %r4, %nctaid.x;
  mul.wide.u32 %rd6, %r1, %r2;
  cvt.u64.u32 %rd7, %r3;
  add.u64 %rd6, %rd6, %rd7;
  mul.wide.u32 %rd8, %r4, %r2;
  setp.ne.u64 %p3, %rd6, 0;
  mov.u32 %r5, 0;
WORDS:
  setp.ge.u64 %p1, %rd6, %rd3;
  @%p1 bra TAIL;
  shl.b64 %rd9, %rd6, 2;
  add.u64 %rd10, %rd1, %rd9;
  add.u64 %rd11, %rd2, %rd9;
  ld.global.nc.u32 %r6, [%rd10];
  ld.global.nc.u32 %r7, [%rd11];
  xor.b32 %r8, %r6, %r7;
  or.b32 %r5, %r5, %r8;
  add.u64 %rd6, %rd6, %rd8;
  bra WORDS;
TAIL:
  @%p3 bra STORE;
  shl.b64 %rd12, %rd3, 2;
  mov.u64 %rd13, 0;
TAIL_BYTES:
  setp.ge.u64 %p1, %rd13, %rd4;
  @%p1 bra STORE;
  add.u64 %rd14, %rd12, %rd13;
  add.u64 %rd15, %rd1, %rd14;
  add.u64 %rd16, %rd2, %rd14;
  ld.global.u8 %r6, [%rd15];
  ld.global.u8 %r7, [%rd16];
  xor.b32 %r8, %r6, %r7;
  or.b32 %r5, %r5, %r8;
  add.u64 %rd13, %rd13, 1;
  bra TAIL_BYTES;
STORE:
  setp.eq.u32 %p2, %r5, 0;
  @%p2 bra END;
  st.global.u32 [%rd5], 1;
END:
  ret;
}
)";

constexpr unsigned kThreads = 256;

}  // namespace

bool sameBytes(CudaDevice& device, const void* a, const void* b, size_t bytes) {
  if (bytes == 0 || a == b) return true;
  Kernel& kernel = device.kernel(kSameBytesPtx, "hel_bytes_differ");
  // Managed and zeroed by allocateManaged, so the host reads it after the wait.
  void* flag = device.allocateManaged(sizeof(uint32_t));
  uint64_t words = bytes / 4, tail = bytes % 4;
  uint64_t pointers[] = {reinterpret_cast<uintptr_t>(a), reinterpret_cast<uintptr_t>(b),
                         reinterpret_cast<uintptr_t>(flag)};
  void* params[] = {&pointers[0], &pointers[1], &words, &tail, &pointers[2]};
  // Enough blocks to fill the GPU a few times over; each thread strides through the rest.
  uint64_t blocks = std::clamp<uint64_t>((words + kThreads - 1) / kThreads, 1,
                                         static_cast<uint64_t>(std::max(device.properties().smCount, 1)) * 8);
  uint32_t differs = 0;
  try {
    device.launch(kernel, {static_cast<unsigned>(blocks), 1, 1}, {kThreads, 1, 1}, 0, params);
    device.synchronize();
    std::memcpy(&differs, flag, sizeof differs);
  } catch (...) {
    device.free(flag);
    throw;
  }
  device.free(flag);
  return differs == 0;
}

}  // namespace hel::cuda
