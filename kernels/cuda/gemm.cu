// gemm.cu — Y = X W^T through cuBLASLt (f16, bf16, fp8 e4m3) with f32 accumulation. One
// cuBLASLt handle and a 32 MiB workspace per process, created on first use; the row-major
// problem is posed to column-major cuBLAS as Y^T[n x m] = W[n x k] (op T) * X^T[k x m] (op N),
// the "TN" layout FP8 requires.
#include <mutex>

#include "kernels/cuda/cuda_check.cuh"

namespace llmsizer::kernels::cuda {
namespace {

constexpr std::size_t kWorkspaceBytes = std::size_t{32} << 20;

struct LtState {
  cublasLtHandle_t handle = nullptr;
  void* workspace = nullptr;
};

LtState& lt_state() {
  static std::once_flag once;
  static LtState s;
  std::call_once(once, [] {
    LLMSIZER_CUBLAS(cublasLtCreate(&s.handle));
    LLMSIZER_CUDA(cudaMalloc(&s.workspace, kWorkspaceBytes));
  });
  return s;
}

// RAII for the cuBLASLt descriptors of one call.
struct Descs {
  cublasLtMatmulDesc_t op = nullptr;
  cublasLtMatrixLayout_t a = nullptr, b = nullptr, c = nullptr, d = nullptr;
  cublasLtMatmulPreference_t pref = nullptr;
  Descs() = default;
  Descs(const Descs&) = delete;
  Descs& operator=(const Descs&) = delete;
  ~Descs() {
    if (pref) (void)cublasLtMatmulPreferenceDestroy(pref);
    if (d && d != c) (void)cublasLtMatrixLayoutDestroy(d);
    if (c) (void)cublasLtMatrixLayoutDestroy(c);
    if (b) (void)cublasLtMatrixLayoutDestroy(b);
    if (a) (void)cublasLtMatrixLayoutDestroy(a);
    if (op) (void)cublasLtMatmulDescDestroy(op);
  }
};

}  // namespace

void gemm(core::DType dtype, const GemmArgs& g) {
  cudaDataType_t in_type{};
  cudaDataType_t out_type = CUDA_R_32F;
  switch (dtype) {
    case core::DType::kF16:
      in_type = CUDA_R_16F;
      break;
    case core::DType::kBF16:
      in_type = CUDA_R_16BF;
      break;
    case core::DType::kFP8E4M3:
      if (compute_capability() < kFp8MinCapability)
        throw CudaError("gemm fp8_e4m3: needs compute capability 8.9 or later (this device: " +
                        std::to_string(compute_capability()) + ")");
      // FP8 wants 16-byte aligned leading dimensions: k e4m3 values, n bf16 outputs.
      if (g.k % 16 != 0 || g.n % 8 != 0)
        throw CudaError("gemm fp8_e4m3: k must be a multiple of 16 and n of 8");
      in_type = CUDA_R_8F_E4M3;
      out_type = CUDA_R_16BF;
      break;
    default:
      throw CudaError("gemm: dtype " + std::string(core::name(dtype)) +
                      " is not one of f16, bf16, fp8_e4m3");
  }
  auto& lt = lt_state();
  Descs ds;
  LLMSIZER_CUBLAS(cublasLtMatmulDescCreate(&ds.op, CUBLAS_COMPUTE_32F, CUDA_R_32F));
  const cublasOperation_t trans_a = CUBLAS_OP_T, trans_b = CUBLAS_OP_N;
  LLMSIZER_CUBLAS(cublasLtMatmulDescSetAttribute(ds.op, CUBLASLT_MATMUL_DESC_TRANSA, &trans_a,
                                                 sizeof(trans_a)));
  LLMSIZER_CUBLAS(cublasLtMatmulDescSetAttribute(ds.op, CUBLASLT_MATMUL_DESC_TRANSB, &trans_b,
                                                 sizeof(trans_b)));
  const auto m = static_cast<std::uint64_t>(g.m), k = static_cast<std::uint64_t>(g.k),
             n = static_cast<std::uint64_t>(g.n);
  // A = W stored k x n column-major (ld k), B = X stored k x m (ld k), D = Y^T n x m (ld n).
  LLMSIZER_CUBLAS(cublasLtMatrixLayoutCreate(&ds.a, in_type, k, n, static_cast<std::int64_t>(k)));
  LLMSIZER_CUBLAS(cublasLtMatrixLayoutCreate(&ds.b, in_type, k, m, static_cast<std::int64_t>(k)));
  LLMSIZER_CUBLAS(cublasLtMatrixLayoutCreate(&ds.c, out_type, n, m, static_cast<std::int64_t>(n)));
  ds.d = ds.c;
  LLMSIZER_CUBLAS(cublasLtMatmulPreferenceCreate(&ds.pref));
  LLMSIZER_CUBLAS(cublasLtMatmulPreferenceSetAttribute(ds.pref,
                                                       CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES,
                                                       &kWorkspaceBytes, sizeof(kWorkspaceBytes)));
  cublasLtMatmulHeuristicResult_t heur{};
  int found = 0;
  LLMSIZER_CUBLAS(cublasLtMatmulAlgoGetHeuristic(lt.handle, ds.op, ds.a, ds.b, ds.c, ds.d, ds.pref,
                                                 1, &heur, &found));
  if (found == 0)
    throw CudaError("gemm " + std::string(core::name(dtype)) + ": cuBLASLt has no algorithm for " +
                    std::to_string(g.m) + "x" + std::to_string(g.k) + "x" + std::to_string(g.n));
  const float alpha = 1.0f, beta = 0.0f;
  LLMSIZER_CUBLAS(cublasLtMatmul(lt.handle, ds.op, &alpha, g.w, ds.a, g.x, ds.b, &beta, g.y, ds.c,
                                 g.y, ds.d, &heur.algo, lt.workspace, kWorkspaceBytes, nullptr));
}

}  // namespace llmsizer::kernels::cuda
