/// RGB pixels to draw boxes and short labels on, in a 3×5 pixel font: what `BoxDrawing` and `MistakeSheet` draw
/// with.
struct Canvas {
    let width: Int
    let height: Int
    var rgb: [UInt8]

    init(width: Int, height: Int, gray: [UInt8]) {
        (self.width, self.height) = (width, height)
        rgb = gray.flatMap { [$0, $0, $0] }
    }

    mutating func fill(_ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int, _ colour: (UInt8, UInt8, UInt8)) {
        let (left, right, top, bottom) = (max(0, x0), min(width - 1, x1), max(0, y0), min(height - 1, y1))
        guard left <= right, top <= bottom else { return }
        for y in top...bottom {
            for x in left...right {
                (rgb[3 * (y * width + x)], rgb[3 * (y * width + x) + 1], rgb[3 * (y * width + x) + 2]) = colour
            }
        }
    }

    mutating func rectangle(_ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int, thickness t: Int, colour: (UInt8, UInt8, UInt8)) {
        fill(x0 - t, y0 - t, x1 + t, y0 - 1, colour)
        fill(x0 - t, y1 + 1, x1 + t, y1 + t, colour)
        fill(x0 - t, y0, x0 - 1, y1, colour)
        fill(x1 + 1, y0, x1 + t, y1, colour)
    }

    /// `text` from (x, y) on white, each character 4 `scale` wide (characters outside the font left blank).
    mutating func text(_ text: String, x: Int, y: Int, scale: Int, colour: (UInt8, UInt8, UInt8)) {
        fill(x - scale, y - scale, x + 4 * scale * text.count - 1, y + 6 * scale - 1, (255, 255, 255))
        for (n, character) in text.enumerated() {
            for (i, on) in (Canvas.font[character] ?? []).enumerated() where on == 1 {
                let (gx, gy) = (x + 4 * scale * n + (i % 3) * scale, y + (i / 3) * scale)
                fill(gx, gy, gx + scale - 1, gy + scale - 1, colour)
            }
        }
    }

    /// Digits 0–9, the signs and ">" (read as) in a 3×5 pixel font, row by row, 1 = ink.
    static let font: [Character: [UInt8]] = [
        "0": [1, 1, 1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 1, 1, 1],
        "1": [0, 1, 0, 1, 1, 0, 0, 1, 0, 0, 1, 0, 1, 1, 1],
        "2": [1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1],
        "3": [1, 1, 1, 0, 0, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1],
        "4": [1, 0, 1, 1, 0, 1, 1, 1, 1, 0, 0, 1, 0, 0, 1],
        "5": [1, 1, 1, 1, 0, 0, 1, 1, 1, 0, 0, 1, 1, 1, 1],
        "6": [1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 0, 1, 1, 1, 1],
        "7": [1, 1, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1],
        "8": [1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1],
        "9": [1, 1, 1, 1, 0, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1],
        "-": [0, 0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0],
        ".": [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0],
        ",": [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0],
        ">": [1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 1, 0, 1, 0, 0],
    ]
}
