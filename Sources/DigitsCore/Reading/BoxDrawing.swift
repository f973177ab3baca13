/// A picture with the digits read from it marked: each digit's box in red and its reading above it (below it when
/// there is no room), for seeing at a glance what `digits predict` found.
public enum BoxDrawing {
    /// Writes `image` (as the network's preparation saw it: upright, transparency composited) with the boxes and
    /// readings of `readings` drawn on it, as an RGB PNG at `path`.
    public static func write(_ image: GrayImage, readings: [DigitReading], to path: String) throws {
        let plane = DigitPreparation.composite(image)
        var canvas = Canvas(width: image.width, height: image.height,
                            gray: plane.values.map { UInt8((min(max($0, 0), 1) * 255).rounded()) })
        let red: (UInt8, UInt8, UInt8) = (220, 30, 30)
        let reduction = image.reduction
        for reading in readings {
            let b = reading.prepared.box
            let (x0, y0) = (b.x / reduction, b.y / reduction)
            let (x1, y1) = ((b.x + b.width - 1) / reduction, (b.y + b.height - 1) / reduction)
            let thickness = max(1, max(image.width, image.height) / 300)
            canvas.rectangle(x0, y0, x1, y1, thickness: thickness, colour: red)
            let scale = max(2, (y1 - y0 + 1) / 20)
            let textHeight = 5 * scale
            let top = y0 - thickness - textHeight - scale >= 0 ? y0 - thickness - textHeight - scale : y1 + thickness + scale
            // A sign written before the digit ("-", ".", ",") stands before its reading, in the gap before its box.
            let label = reading.sign + String(reading.digit)
            canvas.text(label, x: x0 - 4 * scale * reading.sign.count, y: top, scale: scale, colour: red)
        }
        try PNGFile.writeRGB(canvas.rgb, width: image.width, height: image.height, to: path)
    }
}
