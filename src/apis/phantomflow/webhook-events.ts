// The `jobFinished` webhook payload (spec: webhooks.jobFinished, JobFinishedEvent).

export interface FinishedJob {
  job_id: string;
  status: string;
  output_url: string | null;
  duration_seconds: number | null;
  credits_used: number | null;
  error: { code: string; message: string } | null;
}

export function jobFinishedEvent(job: FinishedJob): Record<string, unknown> {
  if (job.status === 'completed') {
    return { job_id: job.job_id, status: 'completed', output_url: job.output_url, duration_seconds: job.duration_seconds, credits_used: job.credits_used };
  }
  return { job_id: job.job_id, status: 'failed', error: job.error };
}
