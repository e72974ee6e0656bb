package runtime

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
