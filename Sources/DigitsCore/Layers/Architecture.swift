import Foundation

/// A network's layers on one line, in the notation of Ciresan et al. (2011), extended by a dropout token:
/// `1x28x28-20C5-MP2-40C5-MP2-100N-10N` is an input of 1 channel of 28 × 28, 20 kernels of 5 × 5, max-pooling of
/// 2 × 2, 40 kernels of 5 × 5, max-pooling of 2 × 2, 100 dense neurons and 10 outputs.
///
/// Tokens, separated by `-`:
/// - first, the input: `CxHxW`, `HxW` (one channel) or `N` (N values, no maps);
/// - `nCk`: a convolution of n kernels of k × k (stride 1, no padding), then the hidden activation;
/// - `MPp`: max-pooling of p × p;
/// - `nN`: a dense layer of n neurons, then the hidden activation, or the output activation for the last;
/// - `Dp`: dropout of the values passing that point with probability p in [0, 1), e.g. `D0.5`;
/// - `BN`: batch normalisation of the values passing that point (after a layer's activation), channel by channel.
/// The last token is the dense output layer. Letters may be written in either case.
public struct Architecture: Equatable, Sendable, CustomStringConvertible {
    public enum Token: Equatable, Sendable {
        case convolution(maps: Int, kernelSize: Int)
        case maxPooling(size: Int)
        case dense(neurons: Int)
        case dropout(rate: Float)
        case batchNormalization
    }

    public let input: FeatureShape
    public let tokens: [Token]

    /// The most values one sample may have at any level, and the most parameters a network may have: what a
    /// model file can hold (`ModelFile`) with room to spare.
    public static let maximumLevelSize = 1 << 20
    public static let maximumParameters = 1 << 26
    /// The most working memory a layer may keep per sample (a convolution's unrolled patches): 16 MB.
    public static let maximumLayerMemory = 1 << 22

    /// Parses `text`; a part that does not parse or does not fit what comes before it is named in the error.
    public init(_ text: String) throws(ArchitectureError) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        guard let first = parts.first, !first.isEmpty else { throw .init("empty architecture") }
        let sides = first.lowercased().split(separator: "x", omittingEmptySubsequences: false).map { Int($0) }
        guard (1...3).contains(sides.count), sides.allSatisfy({ ($0 ?? 0) > 0 }) else {
            throw .init("\(first): the input is CxHxW, HxW or a number of values, each at least 1")
        }
        let s = sides.map { $0! }
        guard s.reduce(1, { $0.multipliedReportingOverflow(by: $1).partialValue }) <= Self.maximumLevelSize,
              s.allSatisfy({ $0 <= Self.maximumLevelSize }) else {
            throw .init("\(first): more than \(Self.maximumLevelSize) input values")
        }
        let input: FeatureShape = switch s.count {
        case 1: FeatureShape(neurons: s[0])
        case 2: FeatureShape(channels: 1, height: s[0], width: s[1])
        default: FeatureShape(channels: s[0], height: s[1], width: s[2])
        }
        var tokens: [Token] = []
        for part in parts.dropFirst() { tokens.append(try Self.token(part)) }
        guard case .dense = tokens.last else {
            throw .init("\(parts.last!): the last layer must be the dense output layer, such as 10N")
        }
        try self.init(input: input, tokens: tokens)
    }

    /// `tokens` after `input`; the last must be a dense layer, and every layer must fit what comes before it.
    public init(input: FeatureShape, tokens: [Token]) throws(ArchitectureError) {
        guard case .dense = tokens.last else { throw .init("the last layer must be the dense output layer, such as 10N") }
        self.input = input
        self.tokens = tokens
        _ = try checkedLayers(hidden: .relu, output: .softmax)
    }

    /// Dense layers of `sizes[1...]` neurons on `sizes[0]` inputs: what `784,30,10` means.
    public init(denseSizes sizes: [Int]) throws(ArchitectureError) {
        guard sizes.count >= 2, sizes.allSatisfy({ (1...Self.maximumLevelSize).contains($0) }) else {
            throw .init("\(sizes.map(String.init).joined(separator: ",")): at least two levels of 1 to \(Self.maximumLevelSize) neurons")
        }
        try self.init(input: FeatureShape(neurons: sizes[0]), tokens: sizes.dropFirst().map { .dense(neurons: $0) })
    }

    /// The outputs of the last layer.
    public var outputCount: Int {
        guard case .dense(let n) = tokens.last else { preconditionFailure("the last layer is dense") }
        return n
    }

    /// The neurons per level, input first, when the architecture is dense layers on a flat input and nothing
    /// else: a network that `Network` runs on its fast sparse path.
    public var denseSizes: [Int]? {
        guard input.isFlat else { return nil }
        var sizes = [input.count]
        for token in tokens {
            guard case .dense(let n) = token else { return nil }
            sizes.append(n)
        }
        return sizes
    }

    /// The architecture with dropout of `rate` on the inputs of every dense layer that follows another layer
    /// (as network3.py drops out the inputs of its dense and softmax layers), replacing dropout already there.
    public func droppingOut(_ rate: Float) throws(ArchitectureError) -> Architecture {
        var result: [Token] = []
        for (t, token) in tokens.enumerated() {
            if case .dropout = token, t + 1 < tokens.count, case .dense = tokens[t + 1] { continue }
            if case .dense = token, t > 0, rate > 0 { result.append(.dropout(rate: rate)) }
            result.append(token)
        }
        return try Architecture(input: input, tokens: result)
    }

    private static func token(_ part: String) throws(ArchitectureError) -> Token {
        let text = part.uppercased()
        func number(_ digits: Substring) -> Int? { Int(digits).flatMap { $0 > 0 && $0 <= maximumLevelSize ? $0 : nil } }
        if text == "BN" { return .batchNormalization }
        if text.hasPrefix("MP"), let p = number(text.dropFirst(2)) { return .maxPooling(size: p) }
        if text.hasSuffix("N"), let n = number(text.dropLast()) { return .dense(neurons: n) }
        if text.hasPrefix("D"), let p = Float(text.dropFirst()), p >= 0, p < 1 { return .dropout(rate: p) }
        if text.hasPrefix("D") && !text.hasPrefix("DN") {
            throw .init("\(part): a dropout rate is at least 0 and below 1, such as D0.5")
        }
        let halves = text.split(separator: "C", omittingEmptySubsequences: false)
        if halves.count == 2, let n = number(halves[0]), let k = number(halves[1]) {
            return .convolution(maps: n, kernelSize: k)
        }
        throw .init("\(part): not a layer; expected nCk (convolution), MPp (max-pooling), nN (dense), Dp (dropout) or BN (batch normalisation)")
    }

    /// The layers, each convolution and hidden dense layer followed by `hidden`, the output layer by `output`.
    func layers(hidden: Network.Activation, output: Network.Activation) -> [any StackLayer] {
        try! checkedLayers(hidden: hidden, output: output)
    }

    private func checkedLayers(hidden: Network.Activation, output: Network.Activation) throws(ArchitectureError)
        -> [any StackLayer] {
        var layers: [any StackLayer] = []
        var shape = input
        var parameters = 0
        for (t, token) in tokens.enumerated() {
            let name = Self.notation(token)
            var layer: any StackLayer
            switch token {
            case .convolution(let maps, let k):
                guard k <= shape.height && k <= shape.width else {
                    throw .init("\(name): a \(k)×\(k) kernel does not fit the \(shape.height)×\(shape.width) maps it gets")
                }
                layer = Convolution(input: shape, maps: maps, kernelSize: k)
            case .maxPooling(let p):
                guard p <= shape.height && p <= shape.width else {
                    throw .init("\(name): a \(p)×\(p) pool does not fit the \(shape.height)×\(shape.width) maps it gets")
                }
                layer = MaxPooling(input: shape, poolSize: p)
            case .dense(let n):
                layer = FullyConnected(input: shape, neurons: n)
            case .dropout(let p):
                layer = Dropout(input: shape, rate: p)
            case .batchNormalization:
                layer = BatchNormalization(input: shape)
            }
            guard layer.outputShape.count <= Self.maximumLevelSize else {
                throw .init("\(name): \(layer.outputShape.count) values per sample; at most \(Self.maximumLevelSize)")
            }
            guard layer.memoryCount <= Self.maximumLayerMemory else {
                throw .init("\(name): \(layer.memoryCount) values of working memory per sample; at most \(Self.maximumLayerMemory)")
            }
            parameters += layer.parameterCount
            guard parameters <= Self.maximumParameters else {
                throw .init("\(name): the network would have more than \(Self.maximumParameters) parameters, too many to save")
            }
            layers.append(layer)
            shape = layer.outputShape
            switch token {
            case .convolution, .dense:
                layers.append(ActivationLayer(input: shape, function: t == tokens.count - 1 ? output : hidden))
            case .maxPooling, .dropout, .batchNormalization: break
            }
        }
        return layers
    }

    static func notation(_ token: Token) -> String {
        switch token {
        case .convolution(let n, let k): "\(n)C\(k)"
        case .maxPooling(let p): "MP\(p)"
        case .dense(let n): "\(n)N"
        case .dropout(let p): "D\(p)"
        case .batchNormalization: "BN"
        }
    }

    /// The architecture in its notation, e.g. `1x28x28-20C5-MP2-40C5-MP2-100N-10N`.
    public var description: String {
        let head = input.isFlat ? "\(input.channels)" : "\(input.channels)x\(input.height)x\(input.width)"
        return ([head] + tokens.map(Self.notation)).joined(separator: "-")
    }
}

/// Why an architecture's notation cannot make a network: a sentence naming the offending part.
public struct ArchitectureError: Error, Equatable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
