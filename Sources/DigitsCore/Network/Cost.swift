/// Costs of a network's outputs against their targets.
public enum Cost {
    /// ½‖a − y‖², network.py's quadratic cost for one sample (its δ_L is a − y, times f′).
    public static func quadratic(_ outputs: [Float], _ targets: [Float]) -> Float {
        precondition(outputs.count == targets.count, "outputs and targets differ in length")
        return zip(outputs, targets).reduce(0) { $0 + 0.5 * ($1.0 - $1.1) * ($1.0 - $1.1) }
    }

    /// The mean of (y − ŷ)² over paired predictions and targets: the loss many tutorials report. Its gradient
    /// is 2/n times the quadratic cost's, so η there corresponds to 2η/n here.
    public static func meanSquaredError(_ predictions: [Float], _ targets: [Float]) -> Float {
        precondition(predictions.count == targets.count && !targets.isEmpty, "predictions and targets differ")
        return zip(predictions, targets).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } / Float(targets.count)
    }
}
