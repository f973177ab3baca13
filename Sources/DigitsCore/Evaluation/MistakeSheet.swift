/// The images a network reads wrong, side by side in one PNG, for a person to look at: each MNIST image dark on
/// white, three times its size, captioned with its label and the answer in red ("4>9": a 4 read as 9) and under
/// them its index in grey, the surest mistakes first, `columns` to a row.
public enum MistakeSheet {
    public static let columns = 12
    /// More mistakes than this (a network that has not learned) are not drawn; the surest are.
    public static let limit = 1_200
    static let scale = 3

    /// Draws `mistakes` (at most `limit` of them), their pictures taken from `images`, as an RGB PNG at `path`.
    public static func write(_ mistakes: [Mistake], images: LabeledImages, to path: String) throws {
        let drawn = mistakes.prefix(limit)
        let (gap, caption) = (12, 28)
        let (tileWidth, tileHeight) = (images.columns * scale, images.rows * scale + caption)
        let rows = (drawn.count + columns - 1) / columns
        let width = gap + columns * (tileWidth + gap)
        let height = gap + rows * (tileHeight + gap)
        var canvas = Canvas(width: width, height: height, gray: [UInt8](repeating: 255, count: width * height))
        for (n, mistake) in drawn.enumerated() {
            let (x0, y0) = (gap + n % columns * (tileWidth + gap), gap + n / columns * (tileHeight + gap))
            for (i, value) in images.image(mistake.index).enumerated() {
                let (x, y) = (x0 + i % images.columns * scale, y0 + i / images.columns * scale)
                let paper = 255 - value
                canvas.fill(x, y, x + scale - 1, y + scale - 1, (paper, paper, paper))
            }
            let top = y0 + images.rows * scale + 3
            canvas.text("\(mistake.label)>\(mistake.answer)", x: x0, y: top, scale: 2, colour: (220, 30, 30))
            canvas.text(String(mistake.index), x: x0, y: top + 13, scale: 2, colour: (120, 120, 120))
        }
        try PNGFile.writeRGB(canvas.rgb, width: width, height: height, to: path)
    }
}
