/** The tool bar's dialogs. */
export type DeviceTool = 'scan' | 'pair' | 'diagnostics' | 'settings' | 'data'
