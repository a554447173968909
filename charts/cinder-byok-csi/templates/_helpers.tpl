{{/*
The driver name is fixed: the binary reports it in GetPluginInfo.
*/}}
{{- define "byok.driverName" -}}byok.cinder.csi.openstack.org{{- end }}

{{- define "byok.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "byok.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* Labels on every object. */}}
{{- define "byok.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ include "byok.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: cinder-byok-csi
{{- with .Values.extraLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "byok.annotations" -}}
{{- with .Values.commonAnnotations }}
annotations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/* Selector labels; component is controllerplugin or nodeplugin. */}}
{{- define "byok.selectorLabels" -}}
app.kubernetes.io/name: {{ include "byok.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "byok.controller.name" -}}{{ include "byok.fullname" . }}-controllerplugin{{- end }}
{{- define "byok.node.name" -}}{{ include "byok.fullname" . }}-nodeplugin{{- end }}
{{- define "byok.controller.serviceAccount" -}}{{ include "byok.fullname" . }}-controller{{- end }}
{{- define "byok.node.serviceAccount" -}}{{ include "byok.fullname" . }}-node{{- end }}

{{/* image: repository:tag, the plugin's tag defaulting to appVersion. */}}
{{- define "byok.image" -}}
{{- printf "%s:%s" .image.repository (default .default .image.tag) }}
{{- end }}

{{/* The driver's socket: an emptyDir on the controller, a hostPath on the node. */}}
{{- define "byok.socketDir" -}}/csi{{- end }}
{{- define "byok.endpoint" -}}unix:///csi/csi.sock{{- end }}
{{- define "byok.kubeletPluginDir" -}}
{{- printf "%s/plugins/%s" .Values.csi.plugin.nodePlugin.kubeletDir (include "byok.driverName" .) }}
{{- end }}

{{/* The cloud.conf Secret name and the path the plugins read. */}}
{{- define "byok.cloudConfigPath" -}}
{{- printf "/etc/config/%s" .Values.secret.filename }}
{{- end }}

{{/* The PVC annotation that names the tenant's key Secret. */}}
{{- define "byok.keySecretAnnotation" -}}byok.cinder.csi.openstack.org/key-secret{{- end }}
