// The reference for the layer rewriter's differential tests: a tar archive on stdin read with Go's
// archive/tar, which is what the Docker engine and containerd apply image layers with. Prints one
// JSON object per header Next returns (global PAX headers included, as the engine sees them), then
// {"Error": ...} if the archive cannot be read to its end. Standard library only: it builds offline.
package main

import (
	"archive/tar"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
)

type member struct {
	Name, Linkname, Typeflag string
	Mode, Size               int64
	Uid, Gid                 int
	Sha256                   string
}

func main() {
	out := json.NewEncoder(os.Stdout)
	tr := tar.NewReader(os.Stdin)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return
		}
		digest := sha256.New()
		if err == nil {
			_, err = io.Copy(digest, tr)
		}
		if err != nil {
			_ = out.Encode(map[string]string{"Error": err.Error()})
			return
		}
		typeflag := string([]byte{hdr.Typeflag})
		_ = out.Encode(member{hdr.Name, hdr.Linkname, typeflag, hdr.Mode, hdr.Size, hdr.Uid, hdr.Gid, hex.EncodeToString(digest.Sum(nil))})
	}
}
