package runtime

import "errors"

// LegacyIDCookie returns the value of an ID cookie in the layout before
// namespaces (the bare 32-byte ID), signed as si signs its ID cookies, and
// the store key its record had then: for the tests of the upgrade.
func LegacyIDCookie[S any](si *Interface[S], id []byte) (value, key string, err error) {
	ss, ok := si.storage.(*storeStorage)
	if !ok || len(id) != sessionIDLen {
		return "", "", errors.New("not a server-side Interface, or not a 32-byte ID")
	}
	var sc scratch
	b, err := ss.signer.seal(&sc, nil, si.cfg.CookieName, id, si.cfg.now())
	return string(b), ss.keys.recordKey(string(id), "", true), err
}
