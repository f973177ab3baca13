/// A network's parameters and a mini-batch's activations and errors in raw memory: the hot loops of training
/// and inference, both of which run through `forward`.
///
/// Shapes, for layer l from level l (sizes[l] neurons) to level l + 1:
/// - `weights[l]` is Wᵀ, sizes[l] × sizes[l + 1], input-major (see `Network.Layer.weights`);
/// - `biases[l]` has sizes[l + 1] values;
/// - `activations[l]` and `deltas[l]` hold sizes[l] values per sample, `batchCapacity` samples one after another
///   (`deltas[0]` is never used: the input has no error to propagate).
final class Workspace {
    let sizes: [Int]
    let batchCapacity: Int
    private let weights: [UnsafeMutablePointer<Float>]
    private let biases: [UnsafeMutablePointer<Float>]
    private let activations: [UnsafeMutablePointer<Float>]
    private let deltas: [UnsafeMutablePointer<Float>]

    /// Byte pixel value → network input, v / 255.
    private static let pixelScale: [Float] = (0...255).map { Float($0) / 255 }

    init(_ network: Network, batchCapacity: Int) {
        precondition(batchCapacity > 0)
        let sizes = network.sizes
        self.sizes = sizes
        self.batchCapacity = batchCapacity
        weights = network.layers.map { layer in Self.allocate(copying: layer.weights) }
        biases = network.layers.map { layer in Self.allocate(copying: layer.biases) }
        activations = sizes.map { Self.allocate(count: $0 * batchCapacity) }
        deltas = sizes.enumerated().map { l, size in Self.allocate(count: l == 0 ? 0 : size * batchCapacity) }
    }

    deinit {
        for pointer in weights + biases + activations + deltas { pointer.deallocate() }
    }

    /// The parameters as they are now.
    var network: Network {
        Network(layers: (0..<sizes.count - 1).map { l in
            Network.Layer(inputCount: sizes[l], outputCount: sizes[l + 1],
                          transposedWeights: Array(UnsafeBufferPointer(start: weights[l], count: sizes[l] * sizes[l + 1])),
                          biases: Array(UnsafeBufferPointer(start: biases[l], count: sizes[l + 1])))
        })
    }

    /// Sets sample `s`'s input to `values`.
    func loadInput(_ values: UnsafeBufferPointer<Float>, sample s: Int) {
        precondition(values.count == sizes[0] && s < batchCapacity)
        (activations[0] + s * sizes[0]).update(from: values.baseAddress!, count: sizes[0])
    }

    /// Sets sample `s`'s input to byte pixels scaled to [0, 1].
    func loadInput(pixels: UnsafeBufferPointer<UInt8>, sample s: Int) {
        precondition(pixels.count == sizes[0] && s < batchCapacity)
        let input = activations[0] + s * sizes[0]
        Self.pixelScale.withUnsafeBufferPointer { scale in
            for k in 0..<pixels.count { input[k] = scale[Int(pixels[k])] }
        }
    }

    /// a_{l+1} = σ(W_l a_l + b_l) through every layer for sample `s`; returns the output activations.
    func forward(sample s: Int) -> UnsafeBufferPointer<Float> {
        precondition(s < batchCapacity)
        for l in 0..<sizes.count - 1 {
            let (n, m) = (sizes[l], sizes[l + 1])
            let a = activations[l] + s * n
            let z = activations[l + 1] + s * m
            let w = weights[l]
            z.update(from: biases[l], count: m)
            // W a as a sum of rows of Wᵀ scaled by a_k: contiguous, and a zero a_k (most pixels) costs nothing.
            for k in 0..<n where a[k] != 0 {
                let ak = a[k]
                let row = w + k * m
                for j in 0..<m { z[j] += ak * row[j] }
            }
            for j in 0..<m { z[j] = sigmoid(z[j]) }
        }
        let last = sizes.count - 1
        return UnsafeBufferPointer(start: activations[last] + s * sizes[last], count: sizes[last])
    }

    /// Backpropagation for sample `s` after `forward(sample: s)`, for the quadratic cost and target one-hot(label):
    /// δ_L = (a_L − y) ⊙ σ′(z_L), δ_l = (W_lᵀ δ_{l+1}) ⊙ σ′(z_l), with σ′(z) = σ(z)(1 − σ(z)) = a(1 − a).
    /// (The book numbers W from 2; here W_l is the matrix into level l + 1.)
    func backward(sample s: Int, label: Int) {
        precondition(s < batchCapacity)
        let last = sizes.count - 1
        let outputs = sizes[last]
        let aL = activations[last] + s * outputs
        let dL = deltas[last] + s * outputs
        for j in 0..<outputs {
            let y: Float = j == label ? 1 : 0
            dL[j] = (aL[j] - y) * aL[j] * (1 - aL[j])
        }
        for l in stride(from: last - 1, to: 0, by: -1) {
            let (n, m) = (sizes[l], sizes[l + 1])
            let a = activations[l] + s * n
            let d = deltas[l] + s * n
            let dNext = deltas[l + 1] + s * m
            let w = weights[l]
            for k in 0..<n {
                // (Wᵀ δ)_k is the dot product of row k of the stored Wᵀ with δ_{l+1}.
                let row = w + k * m
                var sum: Float = 0
                for j in 0..<m { sum += row[j] * dNext[j] }
                d[k] = sum * a[k] * (1 - a[k])
            }
        }
    }

    /// One gradient-descent step from samples 0..<count after `backward` on each:
    /// W ← W − (η/m) Σ δ aᵀ and b ← b − (η/m) Σ δ, with each sample's product added straight into W
    /// (the same sum as network.py's nabla_w, without a buffer for it).
    func descend(sampleCount count: Int, learningRate eta: Float) {
        precondition(count > 0 && count <= batchCapacity)
        let scale = eta / Float(count)
        for l in 0..<sizes.count - 1 {
            let (n, m) = (sizes[l], sizes[l + 1])
            let w = weights[l]
            let b = biases[l]
            for s in 0..<count {
                let a = activations[l] + s * n
                let d = deltas[l + 1] + s * m
                for k in 0..<n where a[k] != 0 {
                    let step = scale * a[k]
                    let row = w + k * m
                    for j in 0..<m { row[j] -= step * d[j] }
                }
                for j in 0..<m { b[j] -= scale * d[j] }
            }
        }
    }

    private static func allocate(count: Int) -> UnsafeMutablePointer<Float> {
        let pointer = UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1))
        pointer.initialize(repeating: 0, count: max(count, 1))
        return pointer
    }

    private static func allocate(copying values: [Float]) -> UnsafeMutablePointer<Float> {
        let pointer = allocate(count: values.count)
        values.withUnsafeBufferPointer { pointer.update(from: $0.baseAddress!, count: values.count) }
        return pointer
    }
}
