// Internal helpers shared by the shim's translation units.
#pragma once

#include <ATen/ATen.h>
#include <c10/core/GradMode.h>

#include <atomic>
#include <cmath>
#include <string>
#include <vector>

#include "ctorch.h"

namespace ctorch {

extern std::atomic<int64_t> live_tensors;
void set_error(const char *message);

// A handle owns one heap-allocated at::Tensor (one reference to its TensorImpl).
inline pt_tensor wrap(at::Tensor t) {
  live_tensors.fetch_add(1, std::memory_order_relaxed);
  return reinterpret_cast<pt_tensor>(new at::Tensor(std::move(t)));
}

inline at::Tensor &ref(pt_tensor t) {
  if (t == nullptr) throw std::invalid_argument("null tensor handle");
  return *reinterpret_cast<at::Tensor *>(t);
}

// An optional argument: NULL becomes an undefined tensor.
inline at::Tensor opt(pt_tensor t) {
  return t == nullptr ? at::Tensor() : *reinterpret_cast<at::Tensor *>(t);
}

inline at::IntArrayRef dims(const int64_t *values, int n) { return at::IntArrayRef(values, n); }

inline std::vector<at::Tensor> list(const pt_tensor *tensors, int n) {
  std::vector<at::Tensor> out;
  out.reserve(n);
  for (int i = 0; i < n; ++i) out.push_back(ref(tensors[i]));
  return out;
}

inline at::Device device(int type, int index) {
  return at::Device(static_cast<c10::DeviceType>(type), static_cast<c10::DeviceIndex>(index));
}

// A Swift Double as the scalar operand of an op on `t`: integral when `t` is integral and the
// value is a whole number, so int64 tensors stay int64 (as `t + 1` does in PyTorch).
inline at::Scalar scalar_for(const at::Tensor &t, double v) {
  if (!t.is_floating_point() && !t.is_complex() && std::nearbyint(v) == v && std::fabs(v) < 9.2e18)
    return at::Scalar(static_cast<int64_t>(v));
  return at::Scalar(v);
}

inline at::ScalarType scalar_type(int dtype) { return static_cast<at::ScalarType>(dtype); }

}  // namespace ctorch

// Every entry point runs its body inside GUARD: libtorch's exceptions become an error
// message and a failure value; none crosses into C or Swift.
#define PT_CATCH(failure)                                                    \
  catch (const c10::Error &e) {                                              \
    ctorch::set_error(e.what_without_backtrace());                           \
    return failure;                                                          \
  }                                                                          \
  catch (const std::exception &e) {                                          \
    ctorch::set_error(e.what());                                             \
    return failure;                                                          \
  }                                                                          \
  catch (...) {                                                              \
    ctorch::set_error("unknown C++ exception in libtorch");                  \
    return failure;                                                          \
  }

/// For functions returning a new tensor: `expr` is an at::Tensor expression.
#define PT_TENSOR(expr)                  \
  try {                                  \
    return ctorch::wrap(expr);           \
  }                                      \
  PT_CATCH(nullptr)

/// For functions returning a status: `body` is a block of statements.
#define PT_STATUS(body) \
  try {                 \
    body;               \
    return 0;           \
  }                     \
  PT_CATCH(-1)

namespace ctorch {

/// Per-step constants of an Adam update (see pt_adam_step).
struct AdamConstants {
  double lr, beta1, beta2, eps, weight_decay;
  bool decoupled;
  double bias1, bias2_sqrt;
};

/// Updates one parameter and its Adam state in a single pass when all are dense contiguous
/// CPU tensors of one floating type (FusedAdam.cpp); returns false, touching nothing, otherwise.
bool fused_adam_update(at::Tensor &p, const at::Tensor &g, at::Tensor &m, at::Tensor &v, at::Tensor *vmax,
                       const AdamConstants &c);

}  // namespace ctorch
