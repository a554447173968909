#!/usr/bin/env bash
# check-proto.sh: prove that csi/csi.proto is descriptor-identical to the CSI spec.
#
# csi/csi.proto is our own copy of the CSI v1.12.0 protocol (own comments,
# same declarations). Comments do not reach the wire, so "identical" means: the
# FileDescriptorSet that protoc builds without source info (package, options,
# imports, extensions, services, methods, messages, fields, numbers, types,
# labels, oneofs, enums, option annotations, json names) is the same.
#
# Usage:
#   tools/check-proto.sh UPSTREAM_CSI_PROTO
#       Compile UPSTREAM_CSI_PROTO (e.g. csi.proto from container-storage-interface/spec
#       at tag v1.12.0) and csi/csi.proto, decode both descriptor sets to text,
#       print a unified diff. Exit 0 if they are equal, 1 if not.
#   tools/check-proto.sh --self
#       No upstream needed: compare the sha256 of our decoded descriptor text with
#       the fingerprint stored in csi/csi.proto.sha256-descriptor. Exit 0 if equal,
#       1 if not (an accidental edit, or a protoc whose text output differs).
#   tools/check-proto.sh --print-fingerprint
#       Print the sha256 of our decoded descriptor text (to refresh the fingerprint
#       file after a deliberate move to a new spec release).
#   Option --proto FILE checks FILE instead of csi/csi.proto.
#   Exit 2: usage error or a protoc failure.
#
# Needs protoc (Debian: protobuf-compiler; set PROTOC to override) with the
# well-known types (libprotobuf-dev). The stored fingerprint was made with
# protoc 3.21.12 (Debian bookworm).
#
# The descriptor is built from a temporary copy named csi.proto, so the file name
# recorded in it ("csi.proto") matches upstream whatever the paths given.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PROTOC="${PROTOC:-protoc}"
OURS="${ROOT}/csi/csi.proto"
FINGERPRINT_FILE="${ROOT}/csi/csi.proto.sha256-descriptor"

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
}

mode=""
upstream=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --self) mode="self" ;;
    --print-fingerprint) mode="print" ;;
    --proto)
      [[ $# -ge 2 ]] || usage
      OURS="$2"
      shift
      ;;
    -h | --help) usage ;;
    -*) echo "check-proto: unknown option $1" >&2; usage ;;
    *)
      [[ -z "${upstream}" ]] || usage
      upstream="$1"
      mode="${mode:-compare}"
      ;;
  esac
  shift
done
[[ -n "${mode}" ]] || usage
if [[ "${mode}" == "compare" && -z "${upstream}" ]]; then usage; fi
if [[ "${mode}" != "compare" && -n "${upstream}" ]]; then usage; fi

command -v "${PROTOC}" >/dev/null 2>&1 || { echo "check-proto: ${PROTOC} not found" >&2; exit 2; }
[[ -f "${OURS}" ]] || { echo "check-proto: ${OURS} not found" >&2; exit 2; }

tmp="$(mktemp -d)"
trap 'rm -rf "${tmp}"' EXIT

# decoded_descriptor SRC OUT: descriptor set of SRC (as "csi.proto", no source
# info, no imports) decoded to protobuf text format in OUT.
decoded_descriptor() {
  local src="$1" out="$2" dir
  dir="$(mktemp -d "${tmp}/d.XXXXXX")"
  cp "${src}" "${dir}/csi.proto"
  if ! "${PROTOC}" --descriptor_set_out="${dir}/set.pb" -I "${dir}" csi.proto; then
    echo "check-proto: protoc failed on ${src}" >&2
    exit 2
  fi
  if ! "${PROTOC}" --decode=google.protobuf.FileDescriptorSet \
      google/protobuf/descriptor.proto <"${dir}/set.pb" >"${out}"; then
    echo "check-proto: protoc --decode failed for ${src}" >&2
    exit 2
  fi
}

summary() {
  local f="$1"
  printf '%s messages (top level), %s services, %s methods, %s extensions\n' \
    "$(grep -c '^  message_type {' "${f}" || true)" \
    "$(grep -c '^  service {' "${f}" || true)" \
    "$(grep -c '^    method {' "${f}" || true)" \
    "$(grep -c '^  extension {' "${f}" || true)"
}

decoded_descriptor "${OURS}" "${tmp}/ours.txt"
ours_sum="$(sha256sum "${tmp}/ours.txt" | cut -d' ' -f1)"

case "${mode}" in
  print)
    echo "${ours_sum}"
    ;;
  self)
    [[ -f "${FINGERPRINT_FILE}" ]] || { echo "check-proto: ${FINGERPRINT_FILE} not found" >&2; exit 2; }
    expected="$(grep -v '^[[:space:]]*#' "${FINGERPRINT_FILE}" | grep -Eo '^[0-9a-f]{64}' | head -n1 || true)"
    [[ -n "${expected}" ]] || { echo "check-proto: no sha256 in ${FINGERPRINT_FILE}" >&2; exit 2; }
    if [[ "${ours_sum}" == "${expected}" ]]; then
      echo "check-proto: OK, ${OURS} matches the stored descriptor fingerprint ${expected}"
      echo "check-proto: $(summary "${tmp}/ours.txt")"
    else
      echo "check-proto: MISMATCH for ${OURS}" >&2
      echo "  expected ${expected} (${FINGERPRINT_FILE})" >&2
      echo "  got      ${ours_sum} ($("${PROTOC}" --version))" >&2
      echo "  Run tools/check-proto.sh UPSTREAM_CSI_PROTO to see what differs." >&2
      exit 1
    fi
    ;;
  compare)
    [[ -f "${upstream}" ]] || { echo "check-proto: ${upstream} not found" >&2; exit 2; }
    decoded_descriptor "${upstream}" "${tmp}/upstream.txt"
    if diff -u --label "upstream:${upstream}" --label "ours:${OURS}" \
        "${tmp}/upstream.txt" "${tmp}/ours.txt"; then
      echo "check-proto: OK, descriptors identical (sha256 ${ours_sum})"
      echo "check-proto: $(summary "${tmp}/ours.txt")"
    else
      echo "check-proto: DESCRIPTORS DIFFER (diff above: - upstream, + ours)" >&2
      exit 1
    fi
    ;;
esac
