import Shared
import Testing

@Suite("Hex")
struct HexTests {
    @Test("bytes read back from their hex, and odd lengths or non-digits are refused")
    func roundTrip() {
        let bytes: [UInt8] = [0x00, 0x0f, 0xa5, 0xff]
        #expect(bytes.lowercaseHex == "000fa5ff")
        #expect([UInt8](hex: "000fa5ff") == bytes)
        #expect([UInt8](hex: "000FA5FF") == bytes)
        #expect([UInt8](hex: "abc") == nil)
        #expect([UInt8](hex: "zz") == nil)
        #expect([UInt8](hex: "") == [])
    }
}
