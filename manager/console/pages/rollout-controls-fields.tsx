/**
 * A rollout's controls as form fields (docs/rollouts.md "Controls"): at most in progress, starts per minute, a canary
 * (N hosts or a share) approved by an operator or at a success share, an abort rule and a start window. The page
 * script (client/rollout-controls.ts) reads the fields named `rollout-*` into the API's `controls`; the API checks
 * them and its message is said when they are refused. Blank optional fields: no such control.
 */

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const

interface NumberProps {
  id: string
  label: string
  value?: string
  min: number
  max?: number
  step?: string
  required?: boolean
}

function NumberField({ id, label, value, min, max, step = '1', required = false }: NumberProps) {
  return (
    <p class="field">
      <label for={id}>{label}</label>
      <input
        id={id}
        name={id}
        type="number"
        min={String(min)}
        {...(max === undefined ? {} : { max: String(max) })}
        step={step}
        value={value ?? ''}
        required={required}
        {...(required ? { 'aria-required': 'true' } : {})}
        data-testid={id}
      />
    </p>
  )
}

/** The fields, inside the caller's form; `legend` says what they apply to. */
export function RolloutControlsFields({ legend }: { legend: string }) {
  return (
    <fieldset class="rollout-controls" data-rollout-controls>
      <legend>{legend}</legend>
      <div class="field-row">
        <NumberField id="rollout-max-concurrent" label="At most in progress" value="10" min={1} required />
        <NumberField id="rollout-rate" label="Starts per minute" value="60" min={0.1} step="any" required />
      </div>
      <div class="field-row">
        <NumberField id="rollout-canary" label="Canary size (blank: none)" min={1} step="any" />
        <p class="field">
          <label for="rollout-canary-unit">Canary counted in</label>
          <select id="rollout-canary-unit" name="rollout-canary-unit" data-testid="rollout-canary-unit">
            <option value="hosts">hosts</option>
            <option value="percent">% of the hosts</option>
          </select>
        </p>
        <p class="field">
          <label for="rollout-approval">Canary approval</label>
          <select id="rollout-approval" name="rollout-approval" data-testid="rollout-approval">
            <option value="manual">by an operator</option>
            <option value="automatic">automatic at a success share</option>
          </select>
        </p>
        <NumberField
          id="rollout-approve-at"
          label="Automatic at % succeeded"
          value="100"
          min={0}
          max={100}
          step="any"
        />
      </div>
      <div class="field-row">
        <NumberField
          id="rollout-abort-percent"
          label="Abort above % failed (blank: never)"
          min={0}
          max={100}
          step="any"
        />
        <NumberField id="rollout-abort-min" label="once this many finished" value="10" min={1} />
      </div>
      <fieldset class="field-row">
        <legend>Start window (optional: starts only inside it)</legend>
        <p class="field">
          <label for="rollout-window-timezone">Time zone (IANA)</label>
          <input
            id="rollout-window-timezone"
            name="rollout-window-timezone"
            type="text"
            placeholder="Europe/Berlin"
            autocomplete="off"
            data-testid="rollout-window-timezone"
          />
        </p>
        <p class="field">
          <label for="rollout-window-start">From</label>
          <input id="rollout-window-start" name="rollout-window-start" type="time" data-testid="rollout-window-start" />
        </p>
        <p class="field">
          <label for="rollout-window-end">Until</label>
          <input id="rollout-window-end" name="rollout-window-end" type="time" data-testid="rollout-window-end" />
        </p>
        <fieldset class="weekdays">
          <legend>Days</legend>
          {WEEKDAYS.map((day, index) => (
            <label key={day}>
              <input
                type="checkbox"
                name="rollout-window-day"
                value={String(index)}
                checked={index >= 1 && index <= 5}
                data-testid={`rollout-window-day-${index}`}
              />{' '}
              {day}
            </label>
          ))}
        </fieldset>
      </fieldset>
    </fieldset>
  )
}
