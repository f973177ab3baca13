// self + a × b, lane by lane: Swift's `addingProduct` (one rounding, one instruction) where the build may assume a
// fused multiply-add unit; a multiply and an add otherwise (DIGITS_NO_FMA, set by Package.swift for builds without
// -target-cpu native). Without FMA instructions, `addingProduct` must round once all the same and becomes a call
// to a software fma per lane: training ran 20 times slower. One method per vector type the kernels use, not one
// generic over SIMD, which a debug build would not specialise (the debug tests then ran twice as long).

extension SIMD16 where Scalar == Float {
    @inline(__always)
    func plusProduct(_ a: Self, _ b: Self) -> Self {
        #if DIGITS_NO_FMA
        self + a * b
        #else
        addingProduct(a, b)
        #endif
    }
}

extension SIMD8 where Scalar == Float {
    @inline(__always)
    func plusProduct(_ a: Self, _ b: Self) -> Self {
        #if DIGITS_NO_FMA
        self + a * b
        #else
        addingProduct(a, b)
        #endif
    }
}
