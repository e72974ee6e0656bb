package runtime

// CookieFormatWire is sessiongen's own format: securecookie's HMAC-SHA256
// (or AES) over the generated wire encoding, with the cookie name and the
// session type bound into the MAC. The default. Its signers are in
// format_wire_mac.go and format_wire_securecookie.go, its encoding in
// format_wire_payload.go.
const CookieFormatWire CookieFormat = "wire"

func init() {
	registerFormat(&cookieFormat{
		name:      CookieFormatWire,
		about:     "sessiongen's compact signed format",
		isDefault: true,
		// 5 s, so that servers whose clocks differ a little can share
		// cookies. A cookie dated further ahead is expired. This applies to
		// signed, encrypted, and the ID cookies of server-side sessions.
		aheadSkew: 5,
		signer:    newWireSigner,
		encoding:  newWireEncoding,
	})
}

// newWireEncoding returns the wire encoding for the codec.
func newWireEncoding(c *codec) (encoding, error) {
	if c.encode == nil {
		return nil, errNoEncoding("wire")
	}
	return wireEncoding{c}, nil
}
