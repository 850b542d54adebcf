// runtime.cu — device discovery, device/pinned buffers, CUDA-event timing and the error
// helpers of cuda_check.cuh (see cuda_kernels.h for the contracts).
#include <cstdio>
#include <utility>

#include "kernels/cuda/cuda_check.cuh"

namespace llmsizer::kernels::cuda {
namespace detail {

namespace {
std::string where(const char* call, const char* file, int line) {
  return std::string(file) + ":" + std::to_string(line) + ": " + call;
}
}  // namespace

void throw_cuda(cudaError_t e, const char* call, const char* file, int line) {
  throw CudaError(where(call, file, line) + " failed: " + cudaGetErrorName(e) + " (" +
                  cudaGetErrorString(e) + ")");
}

void throw_cublas(cublasStatus_t s, const char* call, const char* file, int line) {
  throw CudaError(where(call, file, line) + " failed: cuBLAS status " +
                  std::to_string(static_cast<int>(s)));
}

void check_launch(const char* kernel, const char* file, int line) {
  const cudaError_t e = cudaGetLastError();
  if (e != cudaSuccess) throw_cuda(e, kernel, file, line);
}

}  // namespace detail

int device_count(std::string* why) {
  int n = 0;
  const cudaError_t e = cudaGetDeviceCount(&n);
  if (e != cudaSuccess) {
    if (why) *why = std::string(cudaGetErrorName(e)) + ": " + cudaGetErrorString(e);
    (void)cudaGetLastError();  // clear it so later runtime calls start clean
    return 0;
  }
  if (n == 0 && why) *why = "the CUDA runtime reports no device";
  return n;
}

int compute_capability() {
  int dev = 0, major = 0, minor = 0;
  LLMSIZER_CUDA(cudaGetDevice(&dev));
  LLMSIZER_CUDA(cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, dev));
  LLMSIZER_CUDA(cudaDeviceGetAttribute(&minor, cudaDevAttrComputeCapabilityMinor, dev));
  return major * 10 + minor;
}

void set_device(int device) {
  LLMSIZER_CUDA(cudaSetDevice(device));
}

void synchronize() {
  LLMSIZER_CUDA(cudaDeviceSynchronize());
}

DeviceBuffer::DeviceBuffer(std::size_t bytes) : bytes_(bytes) {
  if (bytes > 0) LLMSIZER_CUDA(cudaMalloc(&ptr_, bytes));
}

DeviceBuffer::~DeviceBuffer() {
  if (ptr_) (void)cudaFree(ptr_);
}

DeviceBuffer::DeviceBuffer(DeviceBuffer&& o) noexcept
    : ptr_(std::exchange(o.ptr_, nullptr)), bytes_(std::exchange(o.bytes_, 0)) {}

DeviceBuffer& DeviceBuffer::operator=(DeviceBuffer&& o) noexcept {
  if (this != &o) {
    if (ptr_) (void)cudaFree(ptr_);
    ptr_ = std::exchange(o.ptr_, nullptr);
    bytes_ = std::exchange(o.bytes_, 0);
  }
  return *this;
}

void DeviceBuffer::upload(const void* host, std::size_t bytes) {
  if (bytes > bytes_) throw CudaError("DeviceBuffer::upload: more bytes than the buffer holds");
  if (bytes > 0) LLMSIZER_CUDA(cudaMemcpy(ptr_, host, bytes, cudaMemcpyHostToDevice));
}

void DeviceBuffer::download(void* host, std::size_t bytes) const {
  if (bytes > bytes_) throw CudaError("DeviceBuffer::download: more bytes than the buffer holds");
  if (bytes > 0) LLMSIZER_CUDA(cudaMemcpy(host, ptr_, bytes, cudaMemcpyDeviceToHost));
}

PinnedBuffer::PinnedBuffer(std::size_t bytes) : bytes_(bytes) {
  LLMSIZER_CUDA(cudaMallocHost(&ptr_, bytes));
}

PinnedBuffer::~PinnedBuffer() {
  if (ptr_) (void)cudaFreeHost(ptr_);
}

double time_ms(const std::function<void()>& enqueue, int reps) {
  if (reps < 1) reps = 1;
  enqueue();  // warm-up: first-launch module loading, cuBLAS heuristics, caches
  LLMSIZER_CUDA(cudaDeviceSynchronize());
  cudaEvent_t start = nullptr, stop = nullptr;
  LLMSIZER_CUDA(cudaEventCreate(&start));
  LLMSIZER_CUDA(cudaEventCreate(&stop));
  float ms = 0;
  try {
    LLMSIZER_CUDA(cudaEventRecord(start, nullptr));
    for (int i = 0; i < reps; ++i) enqueue();
    LLMSIZER_CUDA(cudaEventRecord(stop, nullptr));
    LLMSIZER_CUDA(cudaEventSynchronize(stop));
    LLMSIZER_CUDA(cudaEventElapsedTime(&ms, start, stop));
  } catch (...) {
    (void)cudaEventDestroy(start);
    (void)cudaEventDestroy(stop);
    throw;
  }
  (void)cudaEventDestroy(start);
  (void)cudaEventDestroy(stop);
  return static_cast<double>(ms) / reps;
}

}  // namespace llmsizer::kernels::cuda
