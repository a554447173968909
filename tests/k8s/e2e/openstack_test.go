package e2e

// What the tests read and write in the lab's OpenStack directly, as the demo project's user:
// tenant keys in Barbican, and the census of Cinder volumes and Barbican secrets.

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

type openStack struct {
	token    string
	expires  time.Time
	lab      map[string]string
	client   *http.Client
	cinder   string
	barbican string
}

func newOpenStack(lab map[string]string) (*openStack, error) {
	for _, k := range []string{"LAB_CINDER_URL", "LAB_BARBICAN_URL", "LAB_DEMO_PROJECT_ID"} {
		if lab[k] == "" {
			return nil, fmt.Errorf("%s is not set", k)
		}
	}
	o := &openStack{lab: lab, client: &http.Client{Timeout: 60 * time.Second},
		cinder:   lab["LAB_CINDER_URL"] + "/" + lab["LAB_DEMO_PROJECT_ID"],
		barbican: lab["LAB_BARBICAN_URL"] + "/v1"}
	return o, o.authenticate()
}

func (o *openStack) authenticate() error {
	body := map[string]any{"auth": map[string]any{
		"identity": map[string]any{"methods": []string{"password"}, "password": map[string]any{
			"user": map[string]any{"name": o.lab["LAB_DEMO_USERNAME"], "domain": map[string]string{"id": "default"},
				"password": o.lab["LAB_DEMO_PASSWORD"]}}},
		"scope": map[string]any{"project": map[string]string{"id": o.lab["LAB_DEMO_PROJECT_ID"]}}}}
	data, _ := json.Marshal(body)
	resp, err := o.client.Post(o.lab["OS_AUTH_URL"]+"/auth/tokens", "application/json", bytes.NewReader(data))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		return fmt.Errorf("keystone: %s", resp.Status)
	}
	o.token = resp.Header.Get("X-Subject-Token")
	o.expires = time.Now().Add(30 * time.Minute)
	return nil
}

// call sends a request with the demo token; out (if not nil) receives the JSON reply.
func (o *openStack) call(method, url string, in, out any, headers ...string) (int, error) {
	if time.Now().After(o.expires) {
		if err := o.authenticate(); err != nil {
			return 0, err
		}
	}
	var body io.Reader
	if in != nil {
		data, _ := json.Marshal(in)
		body = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		return 0, err
	}
	req.Header.Set("X-Auth-Token", o.token)
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := o.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		return resp.StatusCode, fmt.Errorf("%s %s: %s: %s", method, url, resp.Status, data)
	}
	if out != nil && len(data) > 0 {
		return resp.StatusCode, json.Unmarshal(data, out)
	}
	return resp.StatusCode, nil
}

// createKey stores a fresh AES-256 key (secretType "symmetric") or a passphrase and
// returns its UUID; the key is deleted when the test ends.
func (o *openStack) createKey(t *testing.T, name, secretType string) string {
	t.Helper()
	req := map[string]any{"name": name, "secret_type": secretType}
	if secretType == "symmetric" {
		key := make([]byte, 32)
		_, _ = rand.Read(key)
		req["payload"] = base64.StdEncoding.EncodeToString(key)
		req["payload_content_type"] = "application/octet-stream"
		req["payload_content_encoding"] = "base64"
		req["algorithm"], req["bit_length"], req["mode"] = "aes", 256, "xts"
	} else {
		req["payload"] = "correct horse battery staple"
		req["payload_content_type"] = "text/plain"
	}
	var reply struct {
		Ref string `json:"secret_ref"`
	}
	if _, err := o.call("POST", o.barbican+"/secrets", req, &reply); err != nil {
		t.Fatalf("creating key %s: %v", name, err)
	}
	id := reply.Ref[strings.LastIndex(reply.Ref, "/")+1:]
	t.Cleanup(func() { _, _ = o.call("DELETE", o.barbican+"/secrets/"+id, nil, nil) })
	return id
}

type cinderVolume struct {
	ID       string            `json:"id"`
	Name     string            `json:"name"`
	Status   string            `json:"status"`
	Size     int               `json:"size"`
	Metadata map[string]string `json:"metadata"`
}

func (o *openStack) volume(id string) (*cinderVolume, int, error) {
	var reply struct {
		Volume cinderVolume `json:"volume"`
	}
	code, err := o.call("GET", o.cinder+"/volumes/"+id, nil, &reply)
	return &reply.Volume, code, err
}

// ids lists the project's objects at url (a list reply whose array is field) by idKey; for
// a reference (Barbican's secret_ref) the ID is its last path segment.
func (o *openStack) ids(url, field, idKey string) (map[string]bool, error) {
	var reply map[string]json.RawMessage
	if _, err := o.call("GET", url, nil, &reply); err != nil {
		return nil, err
	}
	var items []map[string]any
	if err := json.Unmarshal(reply[field], &items); err != nil {
		return nil, fmt.Errorf("GET %s: field %s: %w", url, field, err)
	}
	ids := map[string]bool{}
	for _, item := range items {
		id, _ := item[idKey].(string)
		ids[id[strings.LastIndex(id, "/")+1:]] = true
	}
	return ids, nil
}

func (o *openStack) volumeIDs() (map[string]bool, error) {
	return o.ids(o.cinder+"/volumes?limit=1000", "volumes", "id")
}

func (o *openStack) snapshotIDs() (map[string]bool, error) {
	return o.ids(o.cinder+"/snapshots?limit=1000", "snapshots", "id")
}

func (o *openStack) secretIDs() (map[string]bool, error) {
	return o.ids(o.barbican+"/secrets?limit=1000", "secrets", "secret_ref")
}

// volumesOfClaim returns the project's Cinder volumes that the provisioner created for the
// claim ns/name (the PVC metadata that --extra-create-metadata records).
func (o *openStack) volumesOfClaim(ns, name string) ([]string, error) {
	var reply struct {
		Volumes []cinderVolume `json:"volumes"`
	}
	if _, err := o.call("GET", o.cinder+"/volumes/detail?limit=1000", nil, &reply); err != nil {
		return nil, err
	}
	var ids []string
	for _, v := range reply.Volumes {
		if v.Metadata["csi.storage.k8s.io/pvc/namespace"] == ns &&
			v.Metadata["csi.storage.k8s.io/pvc/name"] == name {
			ids = append(ids, v.ID)
		}
	}
	return ids, nil
}

// census records the project's volumes, snapshots and secrets now and, when the test ends
// (after its own clean-ups), fails it for any that appeared and were not removed.
func census(t *testing.T) {
	t.Helper()
	type lister func() (map[string]bool, error)
	kinds := map[string]lister{"volume": cloud.volumeIDs, "snapshot": cloud.snapshotIDs}
	before := map[string]map[string]bool{}
	for kind, list := range kinds {
		ids, err := list()
		if err != nil {
			t.Fatalf("census of %ss: %v", kind, err)
		}
		before[kind] = ids
	}
	secretsBefore, err := cloud.secretIDs()
	if err != nil {
		t.Fatalf("census of secrets: %v", err)
	}
	// Registered first, so it runs last: after the test's keys are deleted.
	t.Cleanup(func() {
		for kind, list := range kinds {
			var left []string
			waitFor(t, 3*time.Minute, kind+"s of the test deleted", func() (bool, error) {
				ids, err := list()
				left = nil
				for id := range ids {
					if !before[kind][id] {
						left = append(left, id)
					}
				}
				return len(left) == 0, err
			})
		}
		secrets, err := cloud.secretIDs()
		if err != nil {
			t.Errorf("census of secrets: %v", err)
		}
		for id := range secrets {
			if !secretsBefore[id] {
				t.Errorf("Barbican secret %s left behind", id)
			}
		}
	})
}
