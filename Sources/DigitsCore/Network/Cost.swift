import Foundation

/// What training minimises, per sample, for outputs a and a one-hot (or any) target y.
public enum Cost: UInt8, Sendable, CaseIterable {
    /// ½‖a − y‖², network.py's cost. Its δ_L = (a − y) ⊙ f′(z_L) vanishes when a sigmoid output saturates, even
    /// at the wrong value: the slow start (and, with N(0, 1) weights, the occasional dead neuron) of chapter 1.
    case quadratic = 1
    /// The cross-entropy of network2.py, −Σ [y ln a + (1 − y) ln(1 − a)] for sigmoid outputs; for a softmax
    /// output it is the log-likelihood −Σ y ln a. Either way δ_L = a − y: no f′ factor, so a wrong saturated
    /// neuron learns fastest.
    case crossEntropy = 2

    /// The cost of `outputs` against `targets` for an output layer of `activation`.
    public func value(_ outputs: [Float], _ targets: [Float], output activation: Network.Activation) -> Float {
        precondition(outputs.count == targets.count, "outputs and targets differ in length")
        switch self {
        case .quadratic:
            return zip(outputs, targets).reduce(0) { $0 + 0.5 * ($1.0 - $1.1) * ($1.0 - $1.1) }
        case .crossEntropy:
            // 0 · ln 0 is taken as 0, as network2.py's nan_to_num does.
            func xlog(_ x: Float, _ y: Float) -> Float { x == 0 ? 0 : x * Foundation.log(y) }
            return zip(outputs, targets).reduce(0) { sum, pair in
                let (a, y) = pair
                return activation == .softmax ? sum - xlog(y, a) : sum - xlog(y, a) - xlog(1 - y, 1 - a)
            }
        }
    }

    /// The mean of (y − ŷ)² over paired predictions and targets: the loss many tutorials report. Its gradient
    /// is 2/n times the quadratic cost's, so η there corresponds to 2η/n here.
    public static func meanSquaredError(_ predictions: [Float], _ targets: [Float]) -> Float {
        precondition(predictions.count == targets.count && !targets.isEmpty, "predictions and targets differ")
        return zip(predictions, targets).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } / Float(targets.count)
    }
}
