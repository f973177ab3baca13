/// A kind whose cases commands, files and reports spell by name.
public protocol Named: CaseIterable {
    var name: String { get }
}

extension Named {
    /// The case called `name`, if there is one.
    public init?(name: String) {
        guard let found = Self.allCases.first(where: { $0.name == name }) else { return nil }
        self = found
    }
}

extension Network.Activation: Named {
    public var name: String {
        switch self {
        case .sigmoid: "sigmoid"
        case .identity: "identity"
        case .relu: "relu"
        case .softmax: "softmax"
        }
    }
}

extension Network.Initialization: Named {
    public var name: String {
        switch self {
        case .standardNormal: "normal"
        case .scaled: "scaled"
        case .he: "he"
        }
    }
}

extension Cost: Named {
    public var name: String {
        switch self {
        case .quadratic: "quadratic"
        case .crossEntropy: "cross-entropy"
        }
    }
}
