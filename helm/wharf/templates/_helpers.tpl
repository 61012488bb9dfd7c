{{/* Names and labels, in the usual Helm way. */}}
{{- define "wharf.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "wharf.fullname" -}}
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

{{- define "wharf.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "wharf.selectorLabels" -}}
app.kubernetes.io/name: {{ include "wharf.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "wharf.labels" -}}
helm.sh/chart: {{ include "wharf.chart" . }}
{{ include "wharf.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "wharf.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "wharf.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "wharf.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/* The most pods that can run at once: replicaCount, or the autoscaler's maximum. */}}
{{- define "wharf.maxReplicas" -}}
{{- if .Values.autoscaling.enabled }}{{ int .Values.autoscaling.maxReplicas }}{{ else }}{{ int .Values.replicaCount }}{{ end }}
{{- end }}

{{/* "true" when the data directory is a PersistentVolumeClaim. */}}
{{- define "wharf.persistent" -}}
{{- if and .Values.persistence.enabled (or (eq .Values.storage.type "filesystem") (not .Values.database.url)) }}true{{ end }}
{{- end }}

{{- define "wharf.claimName" -}}
{{- default (printf "%s-data" (include "wharf.fullname" .)) .Values.persistence.existingClaim }}
{{- end }}

{{/* "true" when pods cannot overlap during an update: one volume a single node mounts, or the embedded database. */}}
{{- define "wharf.recreate" -}}
{{- if or (not .Values.database.url) (and (include "wharf.persistent" .) (not (has "ReadWriteMany" .Values.persistence.accessModes))) }}true{{ end }}
{{- end }}

{{/* Where clients reach Wharf. */}}
{{- define "wharf.externalUrl" -}}
{{- if .Values.externalUrl }}
{{- .Values.externalUrl | trimSuffix "/" }}
{{- else if and .Values.ingress.enabled .Values.ingress.host }}
{{- printf "%s://%s" (ternary "https" "http" .Values.ingress.tls.enabled) .Values.ingress.host }}
{{- end }}
{{- end }}

{{/*
Refuses value combinations that would lose or corrupt data, with a message saying what to change.
*/}}
{{- define "wharf.validate" -}}
{{- $max := int (include "wharf.maxReplicas" .) }}
{{- if not (has .Values.storage.type (list "filesystem" "s3")) }}
{{- fail (printf "storage.type must be filesystem or s3, not %q" .Values.storage.type) }}
{{- end }}
{{- if and (eq .Values.storage.type "s3") (not .Values.storage.s3.bucket) }}
{{- fail "storage.type=s3 needs storage.s3.bucket" }}
{{- end }}
{{- if and (gt $max 1) (not .Values.database.url) }}
{{- fail (printf "%d replicas need an external PostgreSQL: set database.url (and database.existingSecret); the embedded database serves one replica only" $max) }}
{{- end }}
{{- if and (gt $max 1) (eq .Values.storage.type "filesystem") (not .Values.persistence.enabled) }}
{{- fail (printf "%d replicas with storage.type=filesystem need a shared volume: set persistence.enabled=true with persistence.accessModes=[ReadWriteMany], or use storage.type=s3" $max) }}
{{- end }}
{{- if and (gt $max 1) (eq .Values.storage.type "filesystem") (not (has "ReadWriteMany" .Values.persistence.accessModes)) }}
{{- fail (printf "%d replicas with storage.type=filesystem need a ReadWriteMany volume that every pod mounts: set persistence.accessModes=[ReadWriteMany] (NFS, CephFS, EFS, ...), or use storage.type=s3" $max) }}
{{- end }}
{{- if and .Values.ingress.enabled (not .Values.ingress.host) }}
{{- fail "ingress.enabled=true needs ingress.host" }}
{{- end }}
{{- if and .Values.podDisruptionBudget.enabled .Values.podDisruptionBudget.minAvailable .Values.podDisruptionBudget.maxUnavailable }}
{{- fail "podDisruptionBudget: set minAvailable or maxUnavailable, not both" }}
{{- end }}
{{- end }}
