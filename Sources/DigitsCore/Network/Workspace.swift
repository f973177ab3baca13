import Foundation

/// A network's parameters and a mini-batch's activations and errors in raw memory: the hot loops of training
/// and inference, both of which run through `forward`.
///
/// Layer l maps level l (sizes[l] neurons) to level l + 1. Every row below is padded to `strides[l]` floats, a
/// whole number of SIMD chunks (`Chunk`). Padded weights, biases and errors are 0 and stay 0; padded activations
/// are computed (σ(0)) but never read, so padded neurons feed nothing.
/// - `weights[l]`: Wᵀ, sizes[l] rows of strides[l + 1] (row k holds the weights out of input k, as
///   `Network.Layer.weights`), so that W a is a sum of rows scaled by the inputs (and, for the first layer, only
///   the rows of nonzero inputs);
/// - `rowsByOutput[l]`, for the layers above the first: W itself, copied from `weights` after every step, so that
///   Wᵀ δ is likewise a sum of rows scaled by δ;
/// - `biases[l]`: strides[l + 1];
/// - `activations[l]`, `deltas[l]`: `batchCapacity` rows of strides[l] for the levels above the input;
/// - each sample's inputs are a `SparseInputs.Row`, its nonzero values only.
final class Workspace {
    let sizes: [Int]
    let batchCapacity: Int
    private let strides: [Int]
    private let layerActivations: [Network.Activation]
    private let hasBiases: [Bool]
    private let weights: [UnsafeMutablePointer<Float>]
    /// W_l itself for the layers above the first, strides[l + 1] rows of strides[l] (row j holds the weights into
    /// neuron j), so that backpropagation forms W_lᵀ δ a chunk of neurons at a time; a copy of `weights`, made
    /// again after every step. (Level 0 has no δ, so the first layer needs none.)
    private let rowsByOutput: [UnsafeMutablePointer<Float>]
    private let biases: [UnsafeMutablePointer<Float>]
    private let activations: [UnsafeMutablePointer<Float>]
    private let deltas: [UnsafeMutablePointer<Float>]
    /// Each sample's inputs, `batchCapacity` of them. (Raw memory, not an array property: a `var` of a class is
    /// checked for exclusive access at run time on every use, and this one is used for every sample.)
    private let inputs: UnsafeMutablePointer<SparseInputs.Row>
    /// V, laid out as `weights` and `biases`; allocated by the first step that uses momentum or weight decay.
    private var velocities: [UnsafeMutablePointer<Float>] = []
    private var biasVelocities: [UnsafeMutablePointer<Float>] = []
    /// 0, 1, 2, …: the index list of a dense level, as wide as the widest level.
    private let allIndices: UnsafeMutablePointer<Int32>

    init(_ network: Network, batchCapacity: Int) {
        precondition(batchCapacity > 0)
        let sizes = network.sizes
        let strides = sizes.map { ($0 + chunkWidth - 1) / chunkWidth * chunkWidth }
        self.sizes = sizes
        self.strides = strides
        self.batchCapacity = batchCapacity
        layerActivations = network.layers.map(\.activation)
        hasBiases = network.layers.map(\.hasBiases)
        let widest = sizes.max()!
        let allIndices = UnsafeMutablePointer<Int32>.allocate(capacity: widest)
        for i in 0..<widest { allIndices[i] = Int32(i) }
        self.allIndices = allIndices
        weights = network.layers.enumerated().map { l, layer in
            let w = Self.allocate(sizes[l] * strides[l + 1])
            for k in 0..<sizes[l] {
                for j in 0..<sizes[l + 1] { w[k * strides[l + 1] + j] = layer.weights[k * sizes[l + 1] + j] }
            }
            return w
        }
        rowsByOutput = sizes.indices.dropLast().map { l in Self.allocate(l == 0 ? 0 : strides[l + 1] * strides[l]) }
        biases = network.layers.enumerated().map { l, layer in
            let b = Self.allocate(strides[l + 1])
            for j in 0..<sizes[l + 1] { b[j] = layer.biases[j] }
            return b
        }
        // Level 0 has no dense row: a sample's inputs live in the sparse lists.
        activations = strides.enumerated().map { l, stride in Self.allocate(l == 0 ? 0 : stride * batchCapacity) }
        // Level 0 has no δ: nothing is learned below the inputs.
        deltas = strides.enumerated().map { l, stride in Self.allocate(l == 0 ? 0 : stride * batchCapacity) }
        inputs = .allocate(capacity: batchCapacity)
        inputs.initialize(repeating: SparseInputs.Row(indices: allIndices, values: activations[0], count: 0), count: batchCapacity)
        copyRowsByOutput()
    }

    private func copyRowsByOutput() {
        for l in 1..<sizes.count - 1 {
            let (w, rows) = (weights[l], rowsByOutput[l])
            for k in 0..<sizes[l] {
                for j in 0..<sizes[l + 1] { rows[j * strides[l] + k] = w[k * strides[l + 1] + j] }
            }
        }
    }

    deinit {
        for pointer in weights + rowsByOutput + biases + activations + deltas + velocities + biasVelocities { pointer.deallocate() }
        allIndices.deallocate()
        inputs.deallocate()
    }

    /// The parameters as they are now.
    var network: Network {
        Network(layers: (0..<sizes.count - 1).map { l in
            let (n, m, stride) = (sizes[l], sizes[l + 1], strides[l + 1])
            return Network.Layer(
                inputCount: n, outputCount: m,
                transposedWeights: (0..<n * m).map { weights[l][$0 / m * stride + $0 % m] },
                biases: hasBiases[l] ? Array(UnsafeBufferPointer(start: biases[l], count: m)) : nil,
                activation: layerActivations[l])
        })
    }

    /// Makes `input` sample `s`'s input; `input` must stay alive while the sample is used.
    func setInput(_ input: SparseInputs.Row, sample s: Int) {
        precondition(s < batchCapacity && (input.count == 0 || Int(input.indices[input.count - 1]) < sizes[0]))
        inputs[s] = input
    }

    /// The inputs of layer `l` for sample `s` as (index, value) pairs: the nonzero inputs for the first layer,
    /// every neuron of the level below for the others.
    @inline(__always)
    private func inputs(layer l: Int, sample s: Int) -> SparseInputs.Row {
        l == 0 ? inputs[s] : SparseInputs.Row(indices: allIndices, values: activations[l] + s * strides[l], count: sizes[l])
    }

    /// a_{l+1} = f(W_l a_l + b_l) through every layer for sample `s`; returns the output activations.
    func forward(sample s: Int) -> UnsafeBufferPointer<Float> {
        precondition(s < batchCapacity)
        for l in 0..<sizes.count - 1 {
            let stride = strides[l + 1]
            let z = activations[l + 1] + s * stride
            z.update(from: biases[l], count: stride)
            let input = inputs(layer: l, sample: s)
            addScaledRows(weights[l], stride: stride, indices: input.indices, values: input.values, count: input.count, into: z)
            switch layerActivations[l] {
            case .sigmoid: for c in 0..<stride / chunkWidth { z.setChunk(c, sigmoid(z.chunk(c))) }
            case .relu: for c in 0..<stride / chunkWidth { z.setChunk(c, z.chunk(c).replacing(with: 0, where: z.chunk(c) .< 0)) }
            case .identity: break
            case .softmax: softmax(z, count: sizes[l + 1], stride: stride)
            }
        }
        let last = sizes.count - 1
        return UnsafeBufferPointer(start: activations[last] + s * strides[last], count: sizes[last])
    }

    /// Level `l`'s activations for sample `s` after `forward(sample: s)` (level 0, the input, is not kept).
    func activations(level l: Int, sample s: Int) -> UnsafeBufferPointer<Float> {
        precondition(l > 0 && l < sizes.count && s < batchCapacity)
        return UnsafeBufferPointer(start: activations[l] + s * strides[l], count: sizes[l])
    }

    /// Backpropagation for sample `s` after `forward(sample: s)`, for `cost` and `target` (outputs many values):
    /// δ_L = ∂C/∂z_L, then δ_l = (W_lᵀ δ_{l+1}) ⊙ f′(z_l). (The book numbers W from 2; here W_l is the matrix
    /// into level l + 1.) Every f′ is read off the activation a = f(z): σ′ = a(1 − a), ReLU′ = [a > 0], 1 for
    /// identity.
    func backward(sample s: Int, target y: UnsafePointer<Float>, cost: Cost) {
        precondition(s < batchCapacity)
        let last = sizes.count - 1
        let a = activations[last] + s * strides[last]
        let dL = deltas[last] + s * strides[last]
        let output = layerActivations[last - 1]
        switch (cost, output) {
        case (.crossEntropy, _):
            // Cross-entropy against σ or softmax: the f′ of the output cancels, δ_L = a − y.
            precondition(output == .sigmoid || output == .softmax, "cross-entropy needs sigmoid or softmax outputs")
            for j in 0..<sizes[last] { dL[j] = a[j] - y[j] }
        case (.quadratic, .softmax):
            // Each a_j depends on every z_k: ∂a_j/∂z_k = a_j([j = k] − a_k), so δ_k = a_k((a − y)_k − Σ_j a_j (a − y)_j).
            var mean: Float = 0
            for j in 0..<sizes[last] { mean += a[j] * (a[j] - y[j]) }
            for j in 0..<sizes[last] { dL[j] = a[j] * ((a[j] - y[j]) - mean) }
        case (.quadratic, _):
            for j in 0..<sizes[last] { dL[j] = (a[j] - y[j]) * times(1, derivative: output, at: a[j]) }
        }
        for l in stride(from: last - 1, to: 0, by: -1) {
            let a = activations[l] + s * strides[l]
            let d = deltas[l] + s * strides[l]
            let dNext = deltas[l + 1] + s * strides[l + 1]
            let (rows, rowLength) = (rowsByOutput[l], strides[l])
            for c in 0..<strides[l] / chunkWidth {
                // (Wᵀ δ)_k = Σ_j W_jk δ_j for a chunk of k, summed in a fixed order: eight partial sums, partial
                // sum t over j = t, t + 8, t + 16, …, then the eight added in turn. (The padding of δ is zero.)
                var sum = Chunk(repeating: -0.0)
                for t in 0..<8 {
                    var partial = Chunk()
                    for j in Swift.stride(from: t, to: strides[l + 1], by: 8) {
                        partial = partial.plusProduct(rows.chunk(j * rowLength / chunkWidth + c), Chunk(repeating: dNext[j]))
                    }
                    sum += partial
                }
                d.setChunk(c, times(sum, derivative: layerActivations[l - 1], at: a.chunk(c)))
            }
        }
    }

    /// x f′(z), f′ read off a = f(z).
    @inline(__always)
    private func times(_ x: Float, derivative activation: Network.Activation, at a: Float) -> Float {
        times(Chunk(repeating: x), derivative: activation, at: Chunk(repeating: a))[0]
    }

    @inline(__always)
    private func times(_ x: Chunk, derivative activation: Network.Activation, at a: Chunk) -> Chunk {
        switch activation {
        case .sigmoid: x * a * (1 - a)
        case .relu: Chunk().replacing(with: x, where: a .> 0)
        case .identity: x
        case .softmax: preconditionFailure("softmax is an output layer; its δ is the cost's")
        }
    }

    /// How far one gradient step goes.
    struct Step {
        /// η.
        var learningRate: Float
        /// μ: the share of the previous step carried into this one.
        var momentum: Float = 0
        /// λ, network2.py's L2 regularisation parameter, and n, the number of training samples it is spread over.
        var l2: Float = 0
        var trainingCount = 1

        /// ηλ/n, the share of each weight that a step takes away: it follows η when a schedule changes η.
        var weightDecay: Float { learningRate * l2 / Float(trainingCount) }
    }

    /// One gradient step from samples 0..<count after `backward` on each. With momentum μ and L2 decay,
    /// V ← μV − (ηλ/n) W − (η/m) Σ δ aᵀ, W ← W + V (biases alike, without decay); with neither, V is just the
    /// last term and the products are subtracted straight from W (network.py's update, without a buffer).
    func descend(sampleCount count: Int, step: Step) {
        precondition(count > 0 && count <= batchCapacity)
        let scale = step.learningRate / Float(count)
        let direct = step.momentum == 0 && step.weightDecay == 0
        if !direct && velocities.isEmpty {
            velocities = weights.indices.map { l in Self.allocate(sizes[l] * strides[l + 1]) }
            biasVelocities = biases.indices.map { l in Self.allocate(strides[l + 1]) }
        }
        for l in 0..<sizes.count - 1 {
            let stride = strides[l + 1]
            let weightCount = sizes[l] * stride
            let (w, b) = direct ? (weights[l], biases[l]) : (velocities[l], biasVelocities[l])
            if !direct {
                let (mu, decay) = (Chunk(repeating: step.momentum), Chunk(repeating: step.weightDecay))
                for c in 0..<weightCount / chunkWidth { w.setChunk(c, (mu * w.chunk(c)).plusProduct(-decay, weights[l].chunk(c))) }
                for c in 0..<stride / chunkWidth { b.setChunk(c, mu * b.chunk(c)) }
            }
            for s in 0..<count {
                let d = deltas[l + 1] + s * stride
                let input = inputs(layer: l, sample: s)
                subtractOuterProduct(scale: scale, delta: d, indices: input.indices, values: input.values,
                                     count: input.count, from: w, stride: stride)
                if hasBiases[l] {
                    for c in 0..<stride / chunkWidth { b.setChunk(c, b.chunk(c) - scale * d.chunk(c)) }
                }
            }
            if !direct {
                for c in 0..<weightCount / chunkWidth { weights[l].setChunk(c, weights[l].chunk(c) + w.chunk(c)) }
                for c in 0..<stride / chunkWidth { biases[l].setChunk(c, biases[l].chunk(c) + b.chunk(c)) }
            }
        }
        copyRowsByOutput()
    }

    /// Zeros, starting on a cache line: every row is a whole number of chunks, so no chunk straddles two lines.
    private static func allocate(_ count: Int) -> UnsafeMutablePointer<Float> {
        let pointer = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * MemoryLayout<Float>.stride, alignment: 64)
        return pointer.initializeMemory(as: Float.self, repeating: 0, count: max(count, 1))
    }
}

// MARK: Kernels
//
// Rows are `stride` floats, a multiple of `chunkWidth`, handled as SIMD chunks of that many. Accumulators are
// kept in registers for two chunks at a time (32 neurons), which covers Nielsen's 30 hidden neurons in one pass
// over the inputs.

/// Floats per SIMD chunk: 16, a 512-bit register where the processor has them, two 256-bit ones where not.
let chunkWidth = 16
typealias Chunk = SIMD16<Float>

/// z += Σ_i values[i] · row(indices[i]), rows of `stride` floats starting at `rows`.
///
/// Each fused multiply-add waits for the one before it on the same accumulator, so inputs are taken in pairs
/// with two sets of accumulators, summed at the end: twice the independent work in flight.
@inline(__always)
private func addScaledRows(_ rows: UnsafePointer<Float>, stride: Int, indices: UnsafePointer<Int32>,
                           values: UnsafePointer<Float>, count: Int, into z: UnsafeMutablePointer<Float>) {
    @inline(__always) func row(_ i: Int, _ c: Int) -> UnsafePointer<Float> {
        rows + (Int(indices[i]) &* stride &+ chunkWidth &* c)
    }
    let pairs = count & ~1
    var c = 0
    while c + 2 <= stride / chunkWidth {
        var (a0, a1) = (z.chunk(c), z.chunk(c + 1))
        var (b0, b1) = (Chunk(), Chunk())
        var i = 0
        while i < pairs {
            let (p, q) = (row(i, c), row(i &+ 1, c))
            let (u, v) = (Chunk(repeating: values[i]), Chunk(repeating: values[i &+ 1]))
            a0 = a0.plusProduct(u, p.chunk(0))
            a1 = a1.plusProduct(u, p.chunk(1))
            b0 = b0.plusProduct(v, q.chunk(0))
            b1 = b1.plusProduct(v, q.chunk(1))
            i &+= 2
        }
        if pairs < count {
            let (p, u) = (row(pairs, c), Chunk(repeating: values[pairs]))
            (a0, a1) = (a0.plusProduct(u, p.chunk(0)), a1.plusProduct(u, p.chunk(1)))
        }
        z.setChunk(c, a0 + b0)
        z.setChunk(c + 1, a1 + b1)
        c += 2
    }
    if c < stride / chunkWidth {
        var (a, b) = (z.chunk(c), Chunk())
        var i = 0
        while i < pairs {
            a = a.plusProduct(Chunk(repeating: values[i]), row(i, c).chunk(0))
            b = b.plusProduct(Chunk(repeating: values[i &+ 1]), row(i &+ 1, c).chunk(0))
            i &+= 2
        }
        if pairs < count { a = a.plusProduct(Chunk(repeating: values[pairs]), row(pairs, c).chunk(0)) }
        z.setChunk(c, a + b)
    }
}

/// row(indices[i]) −= (scale · values[i]) · δ for every i: the rank-one update δ aᵀ on the rows it touches.
@inline(__always)
private func subtractOuterProduct(scale: Float, delta: UnsafePointer<Float>, indices: UnsafePointer<Int32>,
                                  values: UnsafePointer<Float>, count: Int,
                                  from rows: UnsafeMutablePointer<Float>, stride: Int) {
    var c = 0
    while c + 2 <= stride / chunkWidth {
        let (d0, d1) = (delta.chunk(c), delta.chunk(c + 1))
        for i in 0..<count {
            let row = rows + (Int(indices[i]) &* stride &+ chunkWidth &* c)
            let step = Chunk(repeating: -scale * values[i])
            row.setChunk(0, row.chunk(0).plusProduct(step, d0))
            row.setChunk(1, row.chunk(1).plusProduct(step, d1))
        }
        c += 2
    }
    if c < stride / chunkWidth {
        let d0 = delta.chunk(c)
        for i in 0..<count {
            let row = rows + (Int(indices[i]) &* stride &+ chunkWidth &* c)
            row.setChunk(0, row.chunk(0).plusProduct(Chunk(repeating: -scale * values[i]), d0))
        }
    }
}

/// a_j = e^(z_j − max z) / Σ_k e^(z_k − max z) for j < count, in place (subtracting max z changes nothing but
/// keeps every e^x ≤ 1); the padding up to `stride` becomes 0.
func softmax(_ z: UnsafeMutablePointer<Float>, count: Int, stride: Int) {
    var largest = -Float.infinity
    for j in 0..<count { largest = max(largest, z[j]) }
    var sum: Float = 0
    for j in 0..<count {
        z[j] = Foundation.exp(z[j] - largest)
        sum += z[j]
    }
    for j in 0..<count { z[j] /= sum }
    for j in count..<stride { z[j] = 0 }
}

extension UnsafePointer<Float> {
    /// Chunk c, floats chunkWidth·c ..< chunkWidth·(c + 1).
    @inline(__always)
    func chunk(_ c: Int) -> Chunk {
        UnsafeRawPointer(self + chunkWidth * c).loadUnaligned(as: Chunk.self)
    }
}

extension UnsafeMutablePointer<Float> {
    @inline(__always)
    func chunk(_ c: Int) -> Chunk {
        UnsafePointer(self).chunk(c)
    }

    @inline(__always)
    func setChunk(_ c: Int, _ value: Chunk) {
        UnsafeMutableRawPointer(self + chunkWidth * c).storeBytes(of: value, as: Chunk.self)
    }
}
