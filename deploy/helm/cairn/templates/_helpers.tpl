{{/* Base name of every object: the release name, prefixed with "cairn-" unless it holds "cairn". */}}
{{- define "cairn.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 54 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Chart.Name .Release.Name | trunc 54 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "cairn.operatorName" -}}
{{- printf "%s-operator" (include "cairn.fullname" .) -}}
{{- end -}}

{{/* Labels that select the operator's pods: fixed for the life of a release. */}}
{{- define "cairn.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: operator
{{- end -}}

{{- define "cairn.labels" -}}
{{ include "cairn.selectorLabels" . }}
app.kubernetes.io/part-of: cairn
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{- define "cairn.serviceAccountName" -}}
{{- default (include "cairn.operatorName" .) .Values.serviceAccount.name -}}
{{- end -}}

{{- define "cairn.imageTag" -}}
{{- default .Chart.AppVersion .Values.image.tag -}}
{{- end -}}

{{- define "cairn.image" -}}
{{- printf "%s:%s" .Values.image.repository (include "cairn.imageTag" .) -}}
{{- end -}}

{{/* The member pods' etcd image; {version} is left for the operator to fill in per Etcd. */}}
{{- define "cairn.etcdImage" -}}
{{- default (printf "%s:%s-etcd{version}" .Values.image.repository (include "cairn.imageTag" .)) .Values.operator.etcdImage -}}
{{- end -}}

{{- define "cairn.agentImage" -}}
{{- default (include "cairn.image" .) .Values.operator.agentImage -}}
{{- end -}}

{{- define "cairn.leaseName" -}}
{{- default (include "cairn.operatorName" .) .Values.leaderElection.leaseName -}}
{{- end -}}
