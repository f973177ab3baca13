import Foundation

/// Random distortions of the training images, drawn afresh for every image of every epoch, so that the network
/// sees a digit moved, turned, resized and bent as hands and cameras do, and never the same picture twice.
///
/// An output pixel p takes its value from the source point A⁻¹(p − c − t) + c + d(p), sampled bilinearly (0
/// outside the image): c the image centre, t a shift, A a rotation times a scale, d an elastic displacement
/// field (Simard, Steinkraus and Platt 2003: uniform ±1 per pixel, smoothed by a Gaussian of σ pixels, times α).
public struct Augmentation: Equatable, Sendable {
    /// Largest shift along each axis, in pixels: t is uniform in ±shift.
    public var shift: Float
    /// Largest rotation, in degrees either way.
    public var rotation: Float
    /// Largest change of size, as a fraction: the scale is uniform in 1 ± scale.
    public var scale: Float
    /// α, the strength of the elastic distortion, in pixels; 0 turns it off.
    public var elasticAlpha: Float
    /// σ, the smoothness of the elastic distortion, in pixels.
    public var elasticSigma: Float

    public init(shift: Float = 0, rotation: Float = 0, scale: Float = 0, elasticAlpha: Float = 0, elasticSigma: Float = 4) {
        self.shift = shift
        self.rotation = rotation
        self.scale = scale
        self.elasticAlpha = elasticAlpha
        self.elasticSigma = elasticSigma
    }

    public static let none = Augmentation()

    /// True when images pass through unchanged.
    public var isNone: Bool { shift == 0 && rotation == 0 && scale == 0 && elasticAlpha == 0 }
}

/// Applies an `Augmentation` to images of one size; holds the scratch memory, so one per thread.
struct Distorter {
    let rows: Int
    let columns: Int
    let augmentation: Augmentation
    /// The normalised Gaussian, taps −radius...radius; empty without elastic distortion.
    private let kernel: [Float]
    private var fieldX: [Float]
    private var fieldY: [Float]

    init(rows: Int, columns: Int, augmentation: Augmentation) {
        precondition(rows > 0 && columns > 0)
        precondition(augmentation.elasticSigma > 0 && augmentation.elasticSigma <= 100, "σ out of range")
        self.rows = rows
        self.columns = columns
        self.augmentation = augmentation
        if augmentation.elasticAlpha != 0 {
            // Cut at 3σ, where the Gaussian has fallen to 1% of its peak.
            let sigma = augmentation.elasticSigma
            let radius = Int((3 * sigma).rounded(.up))
            let taps = (-radius...radius).map { Foundation.exp(-Float($0 * $0) / (2 * sigma * sigma)) }
            let total = taps.reduce(0, +)
            kernel = taps.map { $0 / total }
        } else {
            kernel = []
        }
        fieldX = Array(repeating: 0, count: rows * columns)
        fieldY = fieldX
    }

    /// One random distortion of `image` (bytes, 0 = background) into `output` (floats in [0, 1]).
    mutating func distort(_ image: UnsafeBufferPointer<UInt8>, into output: UnsafeMutableBufferPointer<Float>,
                          using generator: inout SplitMix64) {
        func uniform(_ limit: Float) -> Float { limit == 0 ? 0 : Float(2 * generator.nextUnit() - 1) * limit }
        let angle = uniform(augmentation.rotation) * .pi / 180
        let scale = 1 + uniform(augmentation.scale)
        let shift = (x: uniform(augmentation.shift), y: uniform(augmentation.shift))
        let elastic = augmentation.elasticAlpha != 0
        if elastic {
            Self.randomField(&fieldX, kernel: kernel, rows: rows, columns: columns, alpha: augmentation.elasticAlpha, using: &generator)
            Self.randomField(&fieldY, kernel: kernel, rows: rows, columns: columns, alpha: augmentation.elasticAlpha, using: &generator)
        }
        apply(angle: angle, scale: scale, shift: shift, elastic: elastic, to: image, into: output)
    }

    /// `image` turned by `angle` (radians, clockwise on screen, where y grows downwards), scaled by `scale` about
    /// its centre and moved by `shift` pixels, plus the current elastic fields when `elastic`.
    func apply(angle: Float, scale: Float, shift: (x: Float, y: Float), elastic: Bool,
               to image: UnsafeBufferPointer<UInt8>, into output: UnsafeMutableBufferPointer<Float>) {
        precondition(image.count == rows * columns && output.count == rows * columns)
        // A⁻¹ = R(−angle) / scale.
        let (c, s) = (Foundation.cos(angle) / scale, Foundation.sin(angle) / scale)
        let (cx, cy) = (Float(columns - 1) / 2, Float(rows - 1) / 2)
        for y in 0..<rows {
            for x in 0..<columns {
                let (u, v) = (Float(x) - cx - shift.x, Float(y) - cy - shift.y)
                var sx = c * u + s * v + cx
                var sy = -s * u + c * v + cy
                if elastic {
                    sx += fieldX[y * columns + x]
                    sy += fieldY[y * columns + x]
                }
                output[y * columns + x] = bilinear(image, sx, sy) / 255
            }
        }
    }

    /// The elastic displacements of the last distortion, x then y, pixels row-major.
    var displacements: (x: [Float], y: [Float]) { (fieldX, fieldY) }

    /// The image's value at (x, y) between pixel centres, 0 outside.
    private func bilinear(_ image: UnsafeBufferPointer<UInt8>, _ x: Float, _ y: Float) -> Float {
        guard x > -1, y > -1, x < Float(columns), y < Float(rows) else { return 0 }
        let (x0, y0) = (Int(x.rounded(.down)), Int(y.rounded(.down)))
        let (fx, fy) = (x - Float(x0), y - Float(y0))
        func pixel(_ px: Int, _ py: Int) -> Float {
            px >= 0 && py >= 0 && px < columns && py < rows ? Float(image[py * columns + px]) : 0
        }
        let top = pixel(x0, y0) + fx * (pixel(x0 + 1, y0) - pixel(x0, y0))
        let bottom = pixel(x0, y0 + 1) + fx * (pixel(x0 + 1, y0 + 1) - pixel(x0, y0 + 1))
        return top + fy * (bottom - top)
    }

    /// α · (G_σ ∗ U), U uniform in ±1 per pixel. U is drawn `radius` pixels beyond the border too, so the field
    /// is equally strong everywhere; the Gaussian runs along rows, then along columns, eight columns at a time.
    private static func randomField(_ field: inout [Float], kernel: [Float], rows: Int, columns: Int,
                                    alpha: Float, using generator: inout SplitMix64) {
        let radius = kernel.count / 2
        let chunks = (columns + 7) / 8
        // U on (rows + 2 radius) lines of `lineLength`; the floats past columns + 2 radius only pad the last chunk.
        let (lineCount, lineLength) = (rows + 2 * radius, 8 * chunks + 2 * radius)
        let width = columns + 2 * radius
        field.withUnsafeMutableBufferPointer { field in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: lineCount * lineLength + lineCount * 8 * chunks) { buffer in
                let noise = buffer.baseAddress!
                let rowPass = noise + lineCount * lineLength  // lineCount × 8·chunks
                for line in 0..<lineCount {
                    let start = noise + line * lineLength
                    // Two uniform draws from each 64-bit number, 24 bits each.
                    for i in stride(from: 0, to: width, by: 2) {
                        let bits = generator.next()
                        start[i] = Float(bits >> 40) * 0x1p-23 - 1
                        start[i + 1] = Float(bits & 0xFF_FFFF) * 0x1p-23 - 1
                    }
                    for i in (width + width % 2)..<lineLength { start[i] = 0 }
                    for c in 0..<chunks {
                        var sum = SIMD8<Float>()
                        for t in 0..<kernel.count { sum = sum.plusProduct(SIMD8(repeating: kernel[t]), load(start + 8 * c + t)) }
                        store(sum, rowPass + line * 8 * chunks + 8 * c)
                    }
                }
                for y in 0..<rows {
                    for c in 0..<chunks {
                        var sum = SIMD8<Float>()
                        for t in 0..<kernel.count {
                            sum = sum.plusProduct(SIMD8(repeating: kernel[t]), load(rowPass + (y + t) * 8 * chunks + 8 * c))
                        }
                        let smoothed = alpha * sum
                        for x in 8 * c..<min(8 * c + 8, columns) { field[y * columns + x] = smoothed[x - 8 * c] }
                    }
                }
            }
        }
    }
}

@inline(__always)
private func load(_ pointer: UnsafeMutablePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(pointer).loadUnaligned(as: SIMD8<Float>.self)
}

@inline(__always)
private func store(_ value: SIMD8<Float>, _ pointer: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: SIMD8<Float>.self)
}
